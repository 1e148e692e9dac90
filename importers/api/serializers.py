"""The import API's shapes: a run as JSON, a change of the preview as a GeoJSON feature (djangorestframework-gis)."""

from django.urls import reverse
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from layers.api.geojson import COORDINATE_DECIMALS

from ..models import ImportChange, ImportRun
from ..publish import REPLACE, UPSERT
from ..runs import removals_to_confirm


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ or PLATEAU CityGML")
    layer = serializers.SlugField(help_text="The layer's slug, e.g. shelters")
    municipality = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="5-digit code (or 6 with the check digit); may be left out by a municipal token",
    )
    mode = serializers.ChoiceField(
        choices=[REPLACE, UPSERT], default=REPLACE, help_text="What publishing does: replace or upsert"
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="true: check and report only; false: publish when the report has no errors"
    )
    values = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Values for every row, as FIELD=VALUE (repeat the part), e.g. designation=shelter",
    )
    encoding = serializers.ChoiceField(choices=["", "utf-8", "cp932"], required=False, default="")
    srs = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="e.g. EPSG:6674")
    confirm_removals = serializers.IntegerField(
        required=False, min_value=0, help_text="With dry_run=false: the number of removals you confirm"
    )


class PublishRequestSerializer(serializers.Serializer):
    confirm_removals = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="Needed when a replace removes more than the configured share: the number it removes",
    )


class RollbackRequestSerializer(serializers.Serializer):
    municipality = serializers.CharField(
        required=False, allow_blank=True, help_text="5-digit code; only a prefecture administrator may leave it out"
    )
    to_version = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the version before the last publish"
    )


class RollbackResultSerializer(serializers.Serializer):
    layer = serializers.CharField()
    municipality = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(help_text="The new version: a rollback is itself a publish")
    rolled_back_to = serializers.IntegerField()


class ImportRunSerializer(serializers.ModelSerializer):
    layer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    municipality = serializers.SlugRelatedField(slug_field="code", read_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    dry_run = serializers.SerializerMethodField()
    publish_mode = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="Poll this for status and progress")
    preview_url = serializers.SerializerMethodField()
    publish_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField(help_text="The report on the staff pages")
    confirm_removals = serializers.SerializerMethodField(
        help_text="Publishing needs confirm_removals set to this number (null: no confirmation needed)"
    )
    publish_runs = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = (
            "id",
            "url",
            "page_url",
            "status",
            "dry_run",
            "mode",
            "publish_mode",
            "layer",
            "municipality",
            "user",
            "file_name",
            "file_sha256",
            "file_format",
            "encoding",
            "source_srs",
            "created_at",
            "started_at",
            "finished_at",
            "progress",
            "counts",
            "failure",
            "published_version",
            "source_run",
            "publish_runs",
            "columns",
            "confirm_removals",
            "preview_url",
            "publish_url",
            "findings",
        )

    def _absolute(self, name, pk):
        request = self.context.get("request")
        path = reverse(name, args=[pk])
        return request.build_absolute_uri(path) if request else path

    def get_dry_run(self, run) -> bool:
        return run.mode == ImportRun.Mode.DRY_RUN

    def get_publish_mode(self, run) -> str:
        return run.options.get("publish_mode", run.mode if run.mode != ImportRun.Mode.DRY_RUN else REPLACE)

    def get_url(self, run) -> str:
        return self._absolute("api-import", run.pk)

    def get_page_url(self, run) -> str:
        return self._absolute("import-report", run.pk)

    def get_preview_url(self, run) -> str | None:
        return self._absolute("api-import-preview", run.pk) if run.mode == ImportRun.Mode.DRY_RUN else None

    def get_publish_url(self, run) -> str | None:
        return self._absolute("api-import-publish", run.pk) if run.mode == ImportRun.Mode.DRY_RUN else None

    def get_confirm_removals(self, run) -> int | None:
        return removals_to_confirm(run) if run.status == ImportRun.Status.REPORTED else None

    def get_publish_runs(self, run) -> list[int]:
        return list(run.publish_runs.order_by("pk").values_list("pk", flat=True))

    def get_findings(self, run) -> list[dict]:
        return self.context.get("findings", run.report)


class ImportChangeSerializer(GeoFeatureModelSerializer):
    """A new, changed or removed feature of a dry run (new and changed: as the file has them)."""

    geom = GeometryField(precision=COORDINATE_DECIMALS)
    municipality = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ImportChange
        geo_field = "geom"
        id_field = False
        fields = ("change", "source_id", "name", "address", "municipality", "geom")
