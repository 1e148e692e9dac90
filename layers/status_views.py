"""Shelter status over HTTP: the public feed, the staff/municipal-system update and the exports."""

import csv
import io
import json
from datetime import datetime

from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from . import caching
from . import shelter_status as service
from .errors import InvalidParameter, handles_map_errors
from .exports import safe_cell
from .models import ShelterStatusChange
from .params import parse_municipality_code

FEED_MAX_AGE = 5  # seconds: the map polls; a change shows within the poll interval plus this


@require_GET
@handles_map_errors
def status_feed(request):
    """Every shelter's current status, compact, with ETag/304 and a short max-age."""
    code = parse_municipality_code(request.GET.get("municipality"))
    etag = caching.etag_for("shelter-status", service.feed_fingerprint(), code)

    def build():
        body = {"generated_at": datetime.now().astimezone().isoformat(), "shelters": service.status_feed(code)}
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})

    return caching.conditional(request, etag, build, f"public, max-age={FEED_MAX_AGE}")


def _version_etag(status):
    return f'"{status.version}"'


def _parse_if_match(value):
    """`"12"`, `12`, `W/"12"` or the gzipped GET's `"12-gzip"` → 12; None when absent or unreadable."""
    if not value:
        return None
    value = caching.identity_etag(value).strip('"')
    return int(value) if value.isdigit() else None


class ShelterStatusView(APIView):
    """GET the current status (ETag = version); PATCH with If-Match: that version."""

    authentication_classes = [SessionAuthentication, TokenAuthentication]

    def _shelter(self, shelter_id, request):
        shelters = service.shelter_features().filter(source_id=shelter_id)
        code = request.query_params.get("municipality")
        if code:
            shelters = shelters.filter(municipality__code=code[:5])
        found = list(shelters[:2])
        if not found:
            return None, Response({"error": {"code": "not_found", "message": "no such shelter"}}, status=404)
        if len(found) > 1:
            message = "the ID is used in several municipalities; add ?municipality=CODE"
            return None, Response({"error": {"code": "ambiguous", "message": message}}, status=400)
        return found[0], None

    @extend_schema(
        summary="A shelter's current status; the ETag is its version",
        parameters=[OpenApiParameter("municipality", str, description="5-digit code, when the ID is ambiguous")],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request, shelter_id):
        feature, error = self._shelter(shelter_id, request)
        if error:
            return error
        status = service.status_for(feature)
        return Response(service.state_of(status, feature), headers={"ETag": _version_etag(status)})

    @extend_schema(
        summary="Update a shelter's status (disaster staff; session or token auth)",
        description="Fields: opening_status (not_open/open/closed/unknown/permanent), evacuee_count, "
        "capacity_override, marked_full, note. Send If-Match with the version the change is based on: "
        "428 without it, 409 with the current state when it is stale, 403 for another municipality.",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT, 428: OpenApiTypes.OBJECT},
    )
    def patch(self, request, shelter_id):
        if not request.user or not request.user.is_authenticated:
            return Response({"error": {"code": "not_authenticated", "message": "log in or send a token"}}, status=401)
        feature, error = self._shelter(shelter_id, request)
        if error:
            return error
        based_on = _parse_if_match(request.headers.get("If-Match"))
        if based_on is None:
            message = "send If-Match with the version (ETag) your change is based on"
            return Response({"error": {"code": "precondition_required", "message": message}}, status=428)
        if not isinstance(request.data, dict):
            return Response({"error": {"code": "invalid", "message": "send a JSON object"}}, status=400)
        try:
            status = service.update_status(feature, dict(request.data), based_on, request.user)
        except service.NotAllowed as exc:
            return Response({"error": {"code": "forbidden", "message": str(exc)}}, status=403)
        except service.InvalidUpdate as exc:
            body = {"error": {"code": "invalid", "field": exc.field, "message": exc.message}}
            return Response(body, status=400)
        except service.StaleVersion as exc:
            body = {
                "error": {"code": "stale", "message": "the status changed since you loaded it; review and re-apply"},
                "current": service.state_of(exc.current, feature),
            }
            return Response(body, status=http.HTTP_409_CONFLICT, headers={"ETag": _version_etag(exc.current)})
        return Response(service.state_of(status, feature), headers={"ETag": _version_etag(status)})


# EEI (災害対応基本共有情報) item names for the export, as Lアラート and other systems expect them.
EEI_COLUMNS = (
    ("id", "全国共通避難所・避難場所ID"),
    ("municipality", "地方公共団体コード"),
    ("name", "避難所名"),
    ("status_ja", "開設状況"),
    ("count", "避難者数（総数）"),
    ("capacity", "想定収容人数"),
    ("congestion_ja", "定員状況"),
    ("opened_at", "開設日時"),
    ("closed_at", "閉鎖日時"),
    ("note", "備考"),
    ("updated_at", "更新日時"),
)
STATUS_JA = {"not_open": "未開設", "open": "開設", "closed": "閉鎖", "unknown": "不明", "permanent": "常設"}


def _since(request):
    value = request.GET.get("since")
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidParameter("since must be an ISO 8601 date-time", parameter="since")
    return parsed


def _eei_row(state, name):
    return {
        **state,
        "name": name,
        "status_ja": STATUS_JA.get(state["status"], state["status"]),
        "congestion_ja": service.CONGESTION_LABELS.get(state["congestion"], {}).get("ja", ""),
    }


@require_GET
@handles_map_errors
def status_export(request):
    """Current status (and with ?history=1 every change) as CSV with EEI item names, or JSON."""
    code = parse_municipality_code(request.GET.get("municipality"))
    since = _since(request)
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidParameter("format must be json or csv", parameter="format")
    names = dict(service.shelter_features().values_list("source_id", "name"))
    if request.GET.get("history") in ("1", "true"):
        changes = ShelterStatusChange.objects.select_related("status__municipality").order_by("changed_at", "pk")
        if code:
            changes = changes.filter(status__municipality__code=code)
        if since:
            changes = changes.filter(changed_at__gte=since)
        rows = [
            {**_eei_row(c.after, names.get(c.status.source_id, "")), "updated_at": c.changed_at.isoformat(),
             "before": c.before, "version": c.version}
            for c in changes
        ]  # fmt: skip
    else:
        rows = [_eei_row(s, names.get(s["id"], "")) for s in service.status_feed(code)]
        if since:
            rows = [r for r in rows if r["updated_at"] and parse_datetime(r["updated_at"]) >= since]
    if fmt == "json":
        return JsonResponse({"shelters": rows}, json_dumps_params={"ensure_ascii": False})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _, label in EEI_COLUMNS])
    for row in rows:
        writer.writerow([_csv_cell(row.get(key)) for key, _ in EEI_COLUMNS])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="shelter-status.csv"'
    return response


def _csv_cell(value):
    return safe_cell(json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value)
