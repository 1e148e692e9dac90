"""Shelter status over HTTP: the public feed, the staff/municipal-system update and the exports."""

import csv
import io
import json
import logging
from datetime import datetime

from django import db
from django.conf import settings
from django.db import connections, router, transaction
from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from ..api import caching
from ..api.errors import (
    Conflict,
    Forbidden,
    InvalidParameter,
    NotFound,
    PreconditionRequired,
    ServiceUnavailable,
    handles_map_errors,
)
from ..api.exports import safe_cell
from ..api.params import parse_municipality_code
from ..models import ShelterStatus, ShelterStatusChange
from . import lastgood, service
from .vocabulary import CONGESTION_BY_VALUE, EEI_TERMS

log = logging.getLogger(__name__)


def live_cache_control() -> str:
    """For answers that carry live status: short enough that a change shows within seconds."""
    return f"public, max-age={settings.STATUS_FEED_MAX_AGE}"


def feed_cache_control() -> str:
    """The feed residents poll: a shared cache (nginx, a CDN) keeps it only s-maxage, since its copy is
    every resident's and the poll comes on top; a change then shows within s-maxage + one poll."""
    shared = min(settings.STATUS_FEED_SHARED_MAX_AGE, settings.STATUS_FEED_MAX_AGE)
    return f"{live_cache_control()}, s-maxage={shared}"


@require_GET
@handles_map_errors
def status_feed(request):
    """Every shelter's current status, compact, with ETag/304 and a short max-age.

    When the database is down or slower than STATUS_FEED_DB_TIMEOUT_MS, the last good feed
    (lastgood.py), marked `stale` with `as_of` and an `Age` header.
    """
    code = parse_municipality_code(request.GET.get("municipality"))
    try:
        alias = router.db_for_read(ShelterStatus)  # a replica, where there are some
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [settings.STATUS_FEED_DB_TIMEOUT_MS])
            etag = caching.etag_for("shelter-status", service.feed_fingerprint(), code)
            response = caching.not_modified(request, etag)
            body = None
            if response is None:
                body = lastgood.body_for(code, etag) or {
                    "generated_at": datetime.now().astimezone().isoformat(),
                    "shelters": service.status_feed(code),
                }
    except db.Error as exc:
        log.warning("status feed: the database did not answer (%s); serving the last good feed", exc)
        return _stale_feed(code)
    lastgood.remember(code, etag, body)
    if response is None:
        response = JsonResponse(body, json_dumps_params=FEED_JSON)
    return caching.finish(response, etag, feed_cache_control())


FEED_JSON = {"ensure_ascii": False, "separators": (",", ":")}


def _stale_feed(code):
    found = lastgood.last_good(code)
    if found is None:
        raise ServiceUnavailable("shelter status is unavailable; try again shortly", headers={"Retry-After": "5"})
    body, age = found
    response = JsonResponse(body, json_dumps_params=FEED_JSON)
    # No ETag: a client holding the last good one must still get this answer, which says its age.
    response["Age"] = str(age)
    response["Cache-Control"] = "no-store"
    return response


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

    # Token first: an unauthenticated request is told to authenticate (401 with WWW-Authenticate: Token).
    authentication_classes = [TokenAuthentication, SessionAuthentication]

    def _shelter(self, shelter_id, request):
        shelters = service.shelter_features().filter(source_id=shelter_id)
        code = request.query_params.get("municipality")
        if code:
            shelters = shelters.filter(municipality__code=code[:5])
        found = list(shelters[:2])
        if not found:
            raise NotFound(f"no shelter with the ID {shelter_id!r}")
        if len(found) > 1:
            raise InvalidParameter(
                "the ID is used in several municipalities; add ?municipality=CODE",
                parameter="municipality",
                code="ambiguous",
            )
        return found[0]

    @extend_schema(
        summary="A shelter's current status; the ETag is its version",
        parameters=[OpenApiParameter("municipality", str, description="5-digit code, when the ID is ambiguous")],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request, shelter_id):
        feature = self._shelter(shelter_id, request)
        status = service.status_for(feature)
        return Response(service.state_of(status, feature), headers={"ETag": _version_etag(status)})

    @extend_schema(
        summary="Update a shelter's status (disaster staff; session or token auth)",
        description="Fields: opening_status (not_open/open/closed/unknown/permanent), evacuee_count, "
        "capacity_override, marked_full, note. Send If-Match with the version the change is based on: "
        "428 without it, 409 with the current state (error.current) when it is stale, 403 for another "
        'municipality. Errors: {"error": {"code", "message", …}}.',
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT, 428: OpenApiTypes.OBJECT},
    )
    def patch(self, request, shelter_id):
        if not request.user or not request.user.is_authenticated:
            raise drf_exceptions.NotAuthenticated("log in or send a token")
        feature = self._shelter(shelter_id, request)
        based_on = _parse_if_match(request.headers.get("If-Match"))
        if based_on is None:
            raise PreconditionRequired("send If-Match with the version (ETag) your change is based on")
        if not isinstance(request.data, dict):
            raise InvalidParameter("send a JSON object", code="invalid")
        try:
            status = service.update_status(feature, dict(request.data), based_on, request.user)
        except service.NotAllowed as exc:
            raise Forbidden(str(exc)) from exc
        except service.InvalidUpdate as exc:
            raise InvalidParameter(exc.message, code="invalid", field=exc.field) from exc
        except service.StaleVersion as exc:
            raise Conflict(
                "the status changed since you loaded it; review and re-apply",
                code="stale",
                current=service.state_of(exc.current, feature),
                headers={"ETag": _version_etag(exc.current)},
            ) from exc
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
        "status_ja": EEI_TERMS.get(state["status"], state["status"]),
        "congestion_ja": level.eei if (level := CONGESTION_BY_VALUE.get(state["congestion"] or "")) else "",
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
