"""Every import run is kept: who, when, which file, what was detected and what was reported."""

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    class Mode(models.TextChoices):
        DRY_RUN = "dry_run", _("Dry run")
        REPLACE = "replace", _("Replace")
        UPSERT = "upsert", _("Upsert by source ID")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported (not published)")
        PUBLISHED = "published", _("Published")
        REFUSED = "refused", _("Refused (errors)")

    layer = models.ForeignKey("layers.Layer", on_delete=models.CASCADE, related_name="import_runs")
    municipality = models.ForeignKey(
        "layers.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty for a prefecture-wide file, whose features are placed by location."),
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=30, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    source_srs = models.CharField(max_length=100, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=list, blank=True)
    published_version = models.PositiveBigIntegerField(null=True, blank=True)
    # The uploaded file as received, kept privately so a reviewed dry run can be published as is.
    stored_file = models.CharField(max_length=500, blank=True)
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.file_name} → {self.layer.slug} ({self.get_status_display()})"


class PublishedVersion(models.Model):
    """One publish of a layer: which part of it changed (a municipality, or all of it) and how it looked after."""

    layer = models.ForeignKey("layers.Layer", on_delete=models.CASCADE, related_name="published_versions")
    version = models.PositiveBigIntegerField()
    municipality = models.ForeignKey(
        "layers.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("The part of the layer this publish replaced; empty for the whole layer."),
    )
    import_run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True)
    rolled_back_to = models.PositiveBigIntegerField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["layer", "-version"]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        constraints = [models.UniqueConstraint(fields=["layer", "version"], name="published_version_unique")]

    def __str__(self):
        return f"{self.layer.slug} v{self.version}"


class FeatureSnapshot(models.Model):
    """A feature as it was published in a version, for rollback. Written in bulk by SQL, read only."""

    published_version = models.ForeignKey(PublishedVersion, on_delete=models.CASCADE, related_name="snapshots")
    municipality = models.ForeignKey("layers.Municipality", on_delete=models.CASCADE)
    ward = models.ForeignKey("layers.Ward", on_delete=models.SET_NULL, null=True, blank=True)
    source_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    name_kana = models.CharField(max_length=300, blank=True)
    address = models.CharField(max_length=300, blank=True)
    geom = gis_models.GeometryField(srid=4326, spatial_index=False)
    properties = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["published_version", "municipality"])]

    def __str__(self):
        return f"{self.name or self.source_id} (v{self.published_version.version})"
