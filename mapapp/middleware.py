from django.http import JsonResponse


class RejectNulCharacters:
    """400 for a URL holding a NUL character: no text column can store one, so no view could use it.

    One check here instead of one per parameter: PostgreSQL refuses NUL in any string it is sent.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", "") or _nul_in_query(request):
            body = {"error": {"code": "invalid_parameter", "message": "the URL contains a NUL character"}}
            return JsonResponse(body, status=400)
        return self.get_response(request)


def _nul_in_query(request):
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())
