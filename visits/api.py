"""REST interface of visits (issue 4 item 9): book, list, show and cancel, as the pages do.

    POST /api/v1/visits/                     book (visits.services.booking.visit_book)
    GET  /api/v1/visits/                     visits in scope, newest planned first
    GET  /api/v1/visits/<id>/                one visit
    POST /api/v1/visits/<id>/cancel/         {"reason": ...} (visit_cancel)

Session or basic authentication (settings REST_FRAMEWORK). Role gates are the Django
permissions of the role groups (403); scope is the selectors' (404). Bad input is 400 with
the field named, `{"field": ..., "error": ...}`, like the compliance API. Decisions:
- times in carry a UTC offset (naive is refused); times out are ISO 8601 in the
  borrower's zone with its offset, the zone the rules judge the visit in;
- `collectors` are usernames; `address` is the kind of the borrower's address (home,
  work, other): addresses have no public id and database ids stay on the server;
- pages are cursor pages (`limit`, `cursor`): no COUNT(*) per page.
"""

import functools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.models import StaffProfile
from compliance.contract import verdict_json
from visits.models import Notice, Visit, VisitMember, VisitStatus
from visits.selectors import visit_list_for_user
from visits.services.booking import visit_book, visit_cancel

from .serializers import VisitBookSerializer, VisitCancelSerializer, visit_json


class NewestFirst(CursorPagination):
    """Cursor pages: no COUNT(*) per page, stable while visits are being booked."""

    ordering = ("-planned_start", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


def with_details(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """Everything visit_json reads, in three queries whatever the number of visits."""
    return visits.select_related("case", "borrower", "address").prefetch_related(
        Prefetch(
            "memberships",
            queryset=VisitMember.objects.select_related("collector__staff_profile").order_by("pk"),
        ),
        Prefetch("notices", queryset=Notice.objects.order_by("created_at", "id")),
    )


class BadInput(Exception):
    """Answered as `{"field": ..., "error": ...}`: 400 unless told otherwise."""

    def __init__(self, field: str, error: str, status: int = 400):
        super().__init__(f"{field}: {error}")
        self.field, self.error, self.status = field, error, status

    @classmethod
    def of(cls, errors) -> "BadInput":
        """The first error of a serializer's (nested) errors or of a Django ValidationError."""
        if isinstance(errors, ValidationError):
            errors = errors.message_dict if hasattr(errors, "error_dict") else errors.messages
        return cls(*_first_error(errors))


def answers_bad_input(view):
    @functools.wraps(view)
    def wrapper(request: Request, *args, **kwargs) -> Response:
        try:
            return view(request, *args, **kwargs)
        except BadInput as bad:
            return Response({"field": bad.field, "error": bad.error}, status=bad.status)

    return wrapper


def _first_error(errors, path: str = "") -> tuple[str, str]:
    """The first field and message of DRF's nested errors, the field as a dotted path."""
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        if key in ("non_field_errors", "__all__"):
            key = ""
        return _first_error(value, f"{path}.{key}" if path and key else path or key)
    if isinstance(errors, list) and errors and isinstance(errors[0], dict | list):
        index = next(i for i, e in enumerate(errors) if e)
        return _first_error(errors[index], f"{path}[{index}]")
    return path or "request", str(errors[0] if isinstance(errors, list) else errors)


def _require(request: Request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("Your role does not allow this."))


def _json_body(request: Request):
    try:
        return request.data
    except ParseError as error:
        raise BadInput("request", str(error.detail)) from None


@extend_schema(
    methods=["GET"],
    operation_id="visits_list",
    parameters=[
        OpenApiParameter("status", str),
        OpenApiParameter("from", OpenApiTypes.DATE),
        OpenApiParameter("to", OpenApiTypes.DATE),
        OpenApiParameter("limit", int),
        OpenApiParameter("cursor", str),
    ],
    responses=OpenApiTypes.OBJECT,
)
@extend_schema(
    methods=["POST"],
    operation_id="visits_book",
    request=OpenApiTypes.OBJECT,
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET", "POST"])
@parser_classes([JSONParser])
@answers_bad_input
def visit_collection(request: Request) -> Response:
    """GET: the visits in the caller's scope, newest planned first. POST: book a visit."""
    return _book(request) if request.method == "POST" else _list(request)


def _book(request: Request) -> Response:
    """201 `{"visit", "verdict", "check"}` when booked or pending approval; 422
    `{"verdict", "check"}` when the check blocks it (nothing booked, the check recorded)."""
    _require(request, "visits.add_visit")
    form = VisitBookSerializer(data=_json_body(request), context={"user": request.user})
    if not form.is_valid():
        raise BadInput.of(form.errors)
    try:
        result = visit_book(
            plan=form.to_plan(),
            place=form.to_place(),
            by=request.user,
            now=timezone.now(),
            justification=form.validated_data["justification"],
        )
    except ValidationError as error:  # e.g. review without a justification
        raise BadInput.of(error) from None
    body = {"verdict": verdict_json(result.verdict, _), "check": str(result.check.public_id)}
    if not result.booked:
        return Response(body, status=422)
    return Response({"visit": _shown(result.visit), **body}, status=201)


def _list(request: Request) -> Response:
    """Filters: `status` (one or more, comma separated), `from` and `to` (dates, inclusive,
    in the caller's zone); `limit` and `cursor` page through the results."""
    _require(request, "visits.view_visit")
    visits = _filtered(visit_list_for_user(user=request.user), request)
    paginator = NewestFirst()
    try:
        page = paginator.paginate_queryset(with_details(visits), request)
    except NotFound as error:  # a cursor we did not hand out
        raise BadInput("cursor", str(error.detail)) from None
    return paginator.get_paginated_response([visit_json(v) for v in page])


def _filtered(visits: QuerySet[Visit], request: Request) -> QuerySet[Visit]:
    params = request.query_params
    if statuses := [s for s in params.get("status", "").split(",") if s]:
        if unknown := [s for s in statuses if s not in VisitStatus.values]:
            raise BadInput("status", _("Unknown status: %(value)s.") % {"value": unknown[0]})
        visits = visits.filter(status__in=statuses)
    first, last = _day(params, "from"), _day(params, "to")
    if first and last and last < first:
        raise BadInput("to", _("The last day comes before the first."))
    if first or last:
        zone = _zone_of(request.user)
        if first:
            visits = visits.filter(planned_start__gte=datetime.combine(first, time(), zone))
        if last:
            day_after = datetime.combine(last + timedelta(days=1), time(), zone)
            visits = visits.filter(planned_start__lt=day_after)
    return visits


def _day(params, name: str):
    value = params.get(name)
    if value is None:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise BadInput(name, _("Not a date as YYYY-MM-DD: %(value)s.") % {"value": value})
    return day


def _zone_of(user) -> ZoneInfo:
    name = StaffProfile.objects.filter(user=user).values_list("timezone", flat=True).first()
    return ZoneInfo(name or settings.TIME_ZONE)


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def visit_detail(request: Request, public_id) -> Response:
    _require(request, "visits.view_visit")
    visit = get_object_or_404(
        with_details(visit_list_for_user(user=request.user)), public_id=public_id
    )
    return Response(visit_json(visit))


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@parser_classes([JSONParser])
@answers_bad_input
def visit_cancel_view(request: Request, public_id) -> Response:
    """`{"reason": ...}` → 200 with the visit; 409 when its status cannot be cancelled."""
    _require(request, "visits.change_visit")
    visit = get_object_or_404(visit_list_for_user(user=request.user), public_id=public_id)
    form = VisitCancelSerializer(data=_json_body(request))
    if not form.is_valid():
        raise BadInput.of(form.errors)
    try:
        visit_cancel(visit=visit, by=request.user, now=timezone.now(), **form.validated_data)
    except ValidationError as error:
        if getattr(error, "code", None) == "invalid_transition":
            raise BadInput("status", error.messages[0], status=409) from None
        raise BadInput.of(error) from None
    return Response(_shown(visit))


def _shown(visit: Visit) -> dict:
    """A visit just written, read back with its members and notices."""
    return visit_json(with_details(Visit.objects.filter(pk=visit.pk)).get())
