"""The import API for municipal systems (token or session): upload, poll, preview, publish, roll back.

A municipal editor's token reaches only its municipality: anything else is a 403 and changes nothing.
Errors are the one shape of layers/api/errors.py.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.api.errors import Conflict, Forbidden, InvalidParameter, NotFound, ServiceUnavailable
from layers.api.params import parse_municipality_code
from layers.models import Layer, Municipality, Role
from layers.permissions import can_edit_layer, editable_municipalities, is_prefecture_admin

from .. import runs
from ..models import ImportRun
from ..report import ImportRefused
from ..storage import store_upload
from ..upload import ImportOptions, parse_values
from .serializers import (
    ImportChangeSerializer,
    ImportRequestSerializer,
    ImportRunSerializer,
    PublishRequestSerializer,
    RollbackRequestSerializer,
    RollbackResultSerializer,
)

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='{"error": {"code", "message", …}}')


class ImportAPIView(APIView):
    # Token first: an unauthenticated request is told to authenticate (401 with WWW-Authenticate: Token).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def run_for(self, pk) -> ImportRun:
        """The run, when the user may act on its layer and municipality: 404 unknown, 403 someone else's."""
        run = ImportRun.objects.select_related("layer", "municipality", "user").filter(pk=pk).first()
        if run is None:
            raise NotFound(f"no import run {pk}")
        if not can_edit_layer(self.request.user, run.layer, run.municipality):
            raise Forbidden("this import belongs to a municipality you do not edit")
        return run

    def municipality_for(self, code) -> Municipality | None:
        """The named municipality, or the user's only one when none is named; None: the whole prefecture."""
        code = parse_municipality_code(code)
        user = self.request.user
        if code is None:
            if is_prefecture_admin(user):
                return None
            own = list(editable_municipalities(user, Role.Name.DATA_EDITOR)[:2])
            if len(own) != 1:
                raise InvalidParameter("name the municipality (5-digit code)", parameter="municipality")
            return own[0]
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise InvalidParameter(f"no municipality {code}", parameter="municipality")
        return municipality

    def run_response(self, run, status=200, **context):
        run = ImportRun.objects.select_related("layer", "municipality", "user").get(pk=run.pk)
        body = ImportRunSerializer(run, context={"request": self.request, **context}).data
        headers = {"Location": body["url"]} if status == 202 else {}
        return Response(body, status=status, headers=headers)


def _layer(slug) -> Layer:
    layer = Layer.objects.filter(slug=slug).first()
    if layer is None:
        raise InvalidParameter(f"no layer {slug!r}", parameter="layer")
    return layer


class ImportListView(ImportAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a file to import (data editors; token or session)",
        description="Queues a dry run and answers 202 with the run; poll its `url` until `status` is "
        "reported, refused, published or failed. With dry_run=false it is published once the report "
        "has no errors (a replace removing more than the configured share needs confirm_removals). "
        "A municipal token may only name its own municipality (403).",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={202: ImportRunSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 503: ERROR},
    )
    def post(self, request):
        given = ImportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        layer = _layer(data["layer"])
        municipality = self.municipality_for(data.get("municipality"))
        if not can_edit_layer(request.user, layer, municipality):
            raise Forbidden("you may not import this layer for this municipality")
        try:
            values = parse_values(data["values"])
        except ValueError as exc:
            raise InvalidParameter(str(exc), parameter="values") from None
        try:
            stored = store_upload(data["file"])
        except ImportRefused as refused:
            finding = refused.findings[0]
            if finding.code == "server_disk_error":  # the server's fault, not the file's: try again later
                raise ServiceUnavailable(finding.message_en, code=finding.code, headers={"Retry-After": "60"}) from None
            raise InvalidParameter(finding.message_en, parameter="file", code=finding.code) from None
        run = runs.queue_import(
            stored,
            layer=layer,
            municipality=municipality,
            user=request.user,
            file_name=data["file"].name,
            publish_mode=data["mode"],
            options=ImportOptions(encoding=data["encoding"] or None, srs=data.get("srs") or None, values=values),
            publish=not data["dry_run"],
            confirm_removals=data.get("confirm_removals"),
        )
        return self.run_response(run, status=202)


class ImportDetailView(ImportAPIView):
    @extend_schema(
        summary="An import run: status, progress, counts and findings",
        parameters=[
            OpenApiParameter("severity", str, enum=["error", "warning"], description="Only findings of this severity"),
            OpenApiParameter("field", str, description="Only findings about this field or column"),
        ],
        responses={200: ImportRunSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request, pk):
        run = self.run_for(pk)
        runs.end_stalled_runs(ImportRun.objects.filter(pk=run.pk))
        severity = request.query_params.get("severity")
        if severity not in (None, "", "error", "warning"):
            raise InvalidParameter("severity must be error or warning", parameter="severity")
        findings = runs.findings_of(run, severity, request.query_params.get("field"))
        return self.run_response(run, findings=findings)


class ImportPreviewView(ImportAPIView):
    @extend_schema(
        summary="GeoJSON of the features a dry run would add, change and remove",
        parameters=[OpenApiParameter("change", str, enum=["new", "changed", "removed"])],
        responses={200: ImportChangeSerializer(many=True), 403: ERROR, 404: ERROR},
    )
    def get(self, request, pk):
        run = self.run_for(pk)
        changes = run.changes.select_related("municipality").order_by("change", "source_id")
        change = request.query_params.get("change")
        if change:
            if change not in ("new", "changed", "removed"):
                raise InvalidParameter("change must be new, changed or removed", parameter="change")
            changes = changes.filter(change=change)
        body = ImportChangeSerializer(changes, many=True).data
        body["counts"] = {k: run.counts.get(k, 0) for k in ("new", "changed", "removed")}
        return Response(body, content_type="application/geo+json")


class ImportPublishView(ImportAPIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Publish a reviewed dry run (queued; poll the returned run)",
        description="409 `not_publishable` when the run is not a finished dry run without errors; 409 "
        "`confirmation_required` (with `removed` and `existing`) when a replace removes more than the "
        "configured share and confirm_removals does not name that number.",
        request=PublishRequestSerializer,
        responses={202: ImportRunSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request, pk):
        run = self.run_for(pk)
        given = PublishRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            publish_run = runs.queue_publish(run, request.user, given.validated_data.get("confirm_removals"))
        except runs.NotPublishable as exc:
            raise Conflict(str(exc), code="not_publishable") from exc
        except runs.ConfirmationRequired as exc:
            raise Conflict(str(exc), code="confirmation_required", removed=exc.removed, existing=exc.existing) from exc
        return self.run_response(publish_run, status=202)


class LayerRollbackView(ImportAPIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Undo the last publish of a layer in a municipality (or go back to to_version)",
        description="A rollback is itself a publish: a new version, recorded with who and when. A municipal "
        "token must name its own municipality (403 otherwise); 409 `nothing_to_roll_back`.",
        request=RollbackRequestSerializer,
        responses={200: RollbackResultSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request, slug):
        layer = Layer.objects.filter(slug=slug).first()
        if layer is None:
            raise NotFound(f"no layer {slug!r}")
        given = RollbackRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        code = parse_municipality_code(given.validated_data.get("municipality"))
        municipality = Municipality.objects.filter(code=code).first() if code else None
        if code and municipality is None:
            raise InvalidParameter(f"no municipality {code}", parameter="municipality")
        if not can_edit_layer(request.user, layer, municipality):
            raise Forbidden("you may not roll back this layer for this municipality")
        try:
            version = runs.rollback_last_publish(
                layer, municipality, request.user, given.validated_data.get("to_version")
            )
        except runs.NothingToRollBack as exc:
            raise Conflict(str(exc), code="nothing_to_roll_back") from exc
        latest = layer.published_versions.order_by("-version").first()
        return Response(
            {
                "layer": layer.slug,
                "municipality": municipality.code if municipality else None,
                "version": version,
                "rolled_back_to": latest.rolled_back_to,
                "features_url": request.build_absolute_uri(reverse("layer-features", args=[layer.slug])),
            }
        )
