"""REST interface of the compliance engine: the §6.2 dry-run contract."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from compliance.contract import ContractError
from compliance.services.checks import compliance_dry_run


def _bad_request(field: str, error: str) -> Response:
    return Response({"field": field, "error": error}, status=400)


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def compliance_check(request: Request) -> Response:
    """Would this visit be allowed? Same JSON in and out as `manage.py compliance_check`."""
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return _bad_request("request", f"not valid JSON ({error})")
    try:
        return Response(compliance_dry_run(data=data))
    except ContractError as error:
        return _bad_request(error.field, error.message)
