"""Errors, and the one place that turns them into HTTP: one status per kind and one JSON shape,

    {"error": {"code": "...", "message": "...", ...details}}

for the domain's errors (MapError), for everything Django REST framework raises (parse errors,
authentication, permissions, throttling) through `drf_exception_handler`, and for unknown URLs under
the API prefixes. No view builds an error body of its own.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.views import exception_handler as drf_default_handler
from rest_framework.views import set_rollback

# URL prefixes whose clients read JSON, so even an unknown URL there answers in the one shape.
JSON_PREFIXES = ("/api/", "/tiles/", "/ogc/")


class MapError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, *, parameter=None, code=None, headers=None, **details):
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.code = code or self.code
        self.headers = headers or {}
        self.details = details


# The kinds of error, each with its HTTP status and the code clients may test for.
# fmt: off
class InvalidParameter(MapError): status, code = 400, "invalid_parameter"  # noqa: E701
class NotAuthenticated(MapError): status, code = 401, "not_authenticated"  # noqa: E701
class Forbidden(MapError): status, code = 403, "forbidden"  # noqa: E701
class NotFound(MapError): status, code = 404, "not_found"  # noqa: E701
class Conflict(MapError): status, code = 409, "conflict"  # noqa: E701
class PreconditionRequired(MapError): status, code = 428, "precondition_required"  # noqa: E701
class ServiceUnavailable(MapError): status, code = 503, "unavailable"  # noqa: E701
# fmt: on


def error_body(code: str, message: str, **details) -> dict:
    return {"error": {"code": code, "message": message, **{k: v for k, v in details.items() if v is not None}}}


def error_response(error: MapError) -> JsonResponse:
    body = error_body(error.code, error.message, parameter=error.parameter, **error.details)
    response = JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    for name, value in error.headers.items():
        response[name] = value
    return response


def handles_map_errors(view):
    """Turn MapError raised anywhere below a plain Django view into its JSON response."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MapError as error:
            return error_response(error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _first_message(detail) -> str:
    """DRF's detail may be a string, a list or a dict of them (validation); the first one, with its field."""
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()), ("", ""))
        return f"{field}: {_first_message(value)}" if field != "non_field_errors" else _first_message(value)
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def drf_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error a DRF view raises, in the one shape."""
    if isinstance(exc, MapError):
        set_rollback()
        return error_response(exc)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    response = drf_default_handler(exc, context)  # status and headers (WWW-Authenticate, Retry-After)
    if response is None:
        return None  # not an API error: a 500, handled and logged by Django
    code = exc.get_codes() if isinstance(exc, drf.APIException) else "error"
    if not isinstance(code, str):
        code = getattr(exc, "default_code", "invalid")
    response.data = error_body(code, _first_message(response.data.get("detail", response.data)))
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        response.data["error"]["retry_after"] = round(exc.wait)
    return response


def not_found(request, exception=None):
    """handler404: JSON in the one shape under the API prefixes, Django's page elsewhere."""
    if request.path.startswith(JSON_PREFIXES):
        return error_response(NotFound(f"no such resource: {request.path}"))
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: JSON in the one shape under the API prefixes, Django's page elsewhere."""
    if request.path.startswith(JSON_PREFIXES):
        error = MapError("the server failed to answer; try again later", code="server_error")
        error.status = 500
        return error_response(error)
    return defaults.server_error(request)
