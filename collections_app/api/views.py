"""Ledger API views: thin, scope through collections_app/api/scope.py, writes through services.

Errors are `{"field": ..., "error": ...}` (400) like the visits and compliance APIs; a
batch item's field is named with its index, e.g. `[3].amount`. Role gates are the role
groups' Django permissions (403); rows outside the caller's scope are 404.
"""

import django_filters
from django.db import DataError, IntegrityError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from collections_app.api_tokens import TokenLedgerWrite, TokenReadOnly
from collections_app.importing.kinds import KINDS
from collections_app.models import Team
from collections_app.selectors import case_get_for_user, collectors_for_user, teams_for_user
from collections_app.services.cases import case_assign

from . import filters, scope, serializers
from .upserts import ItemError, borrowers_upsert, kind_upsert, repayments_upsert

BATCH_LIMIT = 1000


def field_error_handler(error, context):
    """DRF's validation errors (serializers, filters, cursors) in our one error shape."""
    if isinstance(error, exceptions.ValidationError):
        field, message = first_error(error.detail)
        return Response({"field": field, "error": message}, status=400)
    if isinstance(error, exceptions.ParseError):
        return Response({"field": "request", "error": str(error.detail)}, status=400)
    return exception_handler(error, context)


def first_error(errors, path: str = "") -> tuple[str, str]:
    """The first field and message of DRF's nested errors; list items as `[index]`."""
    if isinstance(errors, dict) and errors:
        key, value = next(iter(errors.items()))
        if isinstance(key, int) or str(key).isdigit():
            step = f"[{key}]"
        elif key in ("non_field_errors", "__all__"):
            step = ""
        else:
            step = f".{key}" if path else str(key)
        return first_error(value, path + step)
    if isinstance(errors, list) and any(isinstance(e, dict | list) and e for e in errors):
        index = next(i for i, e in enumerate(errors) if isinstance(e, dict | list) and e)
        return first_error(errors[index], f"{path}[{index}]")
    message = errors[0] if isinstance(errors, list) and errors else errors
    return path or "request", str(message)


def requires(permission: str) -> type[permissions.BasePermission]:
    class RolePermission(permissions.BasePermission):
        message = _("Your role does not allow this.")

        def has_permission(self, request, view) -> bool:
            return request.user.has_perm(permission)

    return RolePermission


class ById(CursorPagination):
    """Cursor pages (`limit`, `cursor`): no COUNT(*) per page, stable while rows arrive."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:  # a cursor we did not hand out
            raise exceptions.ValidationError({"cursor": [str(error.detail)]}) from None

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) > 0):
            raise exceptions.ValidationError({"limit": [_("A whole number above zero.")]})
        return super().get_page_size(request)


class LedgerView(APIView):
    permission_classes = [
        permissions.IsAuthenticated,
        TokenReadOnly,
        requires("collections_app.view_case"),
    ]
    pagination_class = ById
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def get_exception_handler(self):
        return field_error_handler


class ScopedLedgerView(LedgerView):
    """A ledger list or detail: the rows the user's scope allows (collections_app/api/scope.py)."""

    in_scope = None  # scope.<rows>_for_user

    def get_queryset(self) -> QuerySet:
        return type(self).in_scope(user=self.request.user)


class BorrowerList(ScopedLedgerView, generics.ListAPIView):
    serializer_class = serializers.BorrowerSerializer
    filterset_class = filters.BorrowerFilter
    in_scope = scope.borrowers_for_user


class BorrowerDetail(ScopedLedgerView, generics.RetrieveAPIView):
    serializer_class = serializers.BorrowerSerializer
    lookup_field = "public_id"
    in_scope = scope.borrowers_for_user


class LoanList(ScopedLedgerView, generics.ListAPIView):
    serializer_class = serializers.LoanSerializer
    filterset_class = filters.LoanFilter
    in_scope = scope.loans_for_user


class LoanDetail(ScopedLedgerView, generics.RetrieveAPIView):
    serializer_class = serializers.LoanSerializer
    lookup_field = "public_id"
    in_scope = scope.loans_for_user


class InstallmentList(ScopedLedgerView, generics.ListAPIView):
    serializer_class = serializers.InstallmentSerializer
    filterset_class = filters.InstallmentFilter
    in_scope = scope.installments_for_user


class RepaymentList(ScopedLedgerView, generics.ListAPIView):
    serializer_class = serializers.RepaymentSerializer
    filterset_class = filters.RepaymentFilter
    in_scope = scope.repayments_for_user


class CaseList(ScopedLedgerView, generics.ListAPIView):
    serializer_class = serializers.CaseSerializer
    filterset_class = filters.CaseFilter
    in_scope = scope.cases_for_user


class CaseDetail(ScopedLedgerView, generics.RetrieveAPIView):
    serializer_class = serializers.CaseSerializer
    lookup_field = "public_id"
    in_scope = scope.cases_for_user


class CaseAssign(LedgerView):
    permission_classes = [
        permissions.IsAuthenticated,
        TokenReadOnly,
        requires("collections_app.add_caseassignment"),
    ]

    @extend_schema(
        request=serializers.CaseAssignSerializer,
        responses={200: serializers.CaseSerializer, 400: serializers.FieldErrorSerializer},
    )
    def post(self, request, public_id):
        """Give the case to a collector in the caller's teams (and a team, default theirs)."""
        case = case_get_for_user(user=request.user, public_id=public_id)
        form = serializers.CaseAssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        collector = (
            collectors_for_user(user=request.user).filter(username=data["collector"]).first()
        )
        if collector is None:
            raise BadInputError("collector", _("No collector of yours with this username."))
        team = _team(request.user, data.get("team"), collector)
        case_assign(
            case=case,
            collector=collector,
            team=team,
            by=request.user,
            now=timezone.now(),
            reason=data["reason"],
        )
        case = get_object_or_404(scope.cases_for_user(user=request.user), pk=case.pk)
        return Response(serializers.CaseSerializer(case).data)


def _team(user, public_id, collector) -> Team | None:
    if public_id is None:
        return getattr(getattr(collector, "staff_profile", None), "team", None)
    team = teams_for_user(user=user).filter(public_id=public_id).first()
    if team is None:
        raise BadInputError("team", _("No team of yours with this id."))
    return team


def BadInputError(field: str, error: str) -> exceptions.ValidationError:  # noqa: N802
    return exceptions.ValidationError({field: [error]})


class Batch(LedgerView):
    """POST a JSON list; all or nothing; the same batch twice changes nothing."""

    item_serializer: type[serializers.StrictSerializer]
    role_permission: str

    def get_permissions(self):
        return [
            permissions.IsAuthenticated(),
            TokenLedgerWrite(),
            requires(self.role_permission)(),
        ]

    def items(self, request) -> list[dict]:
        if not isinstance(request.data, list):
            raise BadInputError("request", _("Send a JSON list of items."))
        if len(request.data) > BATCH_LIMIT:
            raise BadInputError("request", _("At most %(n)d items a batch.") % {"n": BATCH_LIMIT})
        form = self.item_serializer(data=request.data, many=True)
        form.is_valid(raise_exception=True)
        return form.validated_data

    def answer(self, upsert, **kwargs) -> Response:
        try:
            result = upsert(**kwargs)
        except ItemError as error:
            raise BadInputError(f"[{error.index}].{error.field}", error.error) from None
        except IntegrityError:
            # Another batch created one of these keys between our read and our write; the
            # whole batch was rolled back, and sending it again is safe (it is idempotent).
            return Response(
                {
                    "field": "request",
                    "error": _("A concurrent batch wrote the same keys; send it again."),
                },
                status=409,
            )
        except DataError:
            # A sum beyond what a money column holds, found only when the ledger is derived.
            return Response(
                {"field": "request", "error": _("A value is beyond what the ledger can hold.")},
                status=400,
            )
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )


class RepaymentBatch(Batch):
    item_serializer = serializers.RepaymentItemSerializer
    role_permission = "collections_app.add_repayment"

    @extend_schema(
        request=serializers.RepaymentItemSerializer(many=True),
        responses={200: serializers.BatchResultSerializer, 400: serializers.FieldErrorSerializer},
    )
    def post(self, request):
        """Repayments by reference; a recorded reference with other values is an error."""
        return self.answer(
            repayments_upsert,
            items=self.items(request),
            by=request.user,
            as_of=timezone.localdate(),
        )


class BorrowerBatch(Batch):
    item_serializer = serializers.BorrowerItemSerializer
    role_permission = "collections_app.change_borrower"

    @extend_schema(
        request=serializers.BorrowerItemSerializer(many=True),
        responses={200: serializers.BatchResultSerializer, 400: serializers.FieldErrorSerializer},
    )
    def post(self, request):
        """Borrowers by customer number: new ones created, known ones updated."""
        return self.answer(borrowers_upsert, items=self.items(request))


class KindBatch(Batch):
    """Rows of an import kind, validated by that kind's parsers and upserted by its natural
    key exactly as a file of that kind is (docs/import.md): new keys inserted, known ones
    updated where a column differs, the affected loans' ledger refreshed."""

    kind: str

    def items(self, request) -> list[dict]:
        if not isinstance(request.data, list):
            raise BadInputError("request", _("Send a JSON list of items."))
        if len(request.data) > BATCH_LIMIT:
            raise BadInputError("request", _("At most %(n)d items a batch.") % {"n": BATCH_LIMIT})
        for index, item in enumerate(request.data):
            if not isinstance(item, dict):
                raise BadInputError(f"[{index}]", _("Send an object."))
        return request.data

    def post(self, request):
        return self.answer(
            kind_upsert, kind=self.kind, items=self.items(request), now=timezone.now()
        )


_LOAN_ITEM = serializers.kind_item_serializer(KINDS["loans"])
_INSTALLMENT_ITEM = serializers.kind_item_serializer(KINDS["installments"])


class LoanBatch(KindBatch):
    kind = "loans"
    role_permission = "collections_app.add_loan"

    @extend_schema(
        request=_LOAN_ITEM(many=True),
        responses={200: serializers.BatchResultSerializer, 400: serializers.FieldErrorSerializer},
    )
    def post(self, request):
        """Loans by account number (the loans file's columns): new ones created, known ones
        updated; the borrower must exist (by customer number)."""
        return super().post(request)


class InstallmentBatch(KindBatch):
    kind = "installments"
    role_permission = "collections_app.add_installment"

    @extend_schema(
        request=_INSTALLMENT_ITEM(many=True),
        responses={200: serializers.BatchResultSerializer, 400: serializers.FieldErrorSerializer},
    )
    def post(self, request):
        """Installments by account number and number (the installments file's columns);
        the loan must exist. The paid amount is derived from repayments, never sent."""
        return super().post(request)
