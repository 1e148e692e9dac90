"""Domain errors and the one place that maps them to HTTP status and one JSON error shape."""

from django.http import JsonResponse


class MapError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, *, parameter=None):
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class InvalidParameter(MapError):
    status = 400
    code = "invalid_parameter"


class NotFound(MapError):
    status = 404
    code = "not_found"


def error_response(error: MapError) -> JsonResponse:
    body = {"error": {"code": error.code, "message": error.message}}
    if error.parameter:
        body["error"]["parameter"] = error.parameter
    return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})


def handles_map_errors(view):
    """Turn MapError raised anywhere below a view into its JSON response."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MapError as error:
            return error_response(error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped
