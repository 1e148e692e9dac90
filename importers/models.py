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
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        REPORTED = "reported", _("Reported (not published)")
        PUBLISHED = "published", _("Published")
        REFUSED = "refused", _("Refused (errors)")
        FAILED = "failed", _("Failed (nothing published)")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

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
    # In the background: the queued task, how far it got and when the worker last said it was alive.
    task_id = models.CharField(max_length=64, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True, help_text=_("Why a run failed, when it did."))
    # The file's columns and which column fed what: {"found": [...], "mapped": {target: column}}.
    columns = models.JSONField(default=dict, blank=True)
    # A publish made from a reviewed dry run names that run.
    source_run = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="publish_runs"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.file_name} → {self.layer.slug} ({self.get_status_display()})"


class ImportChange(models.Model):
    """What publishing a dry run would change: a new, changed or removed feature, for the map preview."""

    class Change(models.TextChoices):
        NEW = "new", _("New")
        CHANGED = "changed", _("Changed")
        REMOVED = "removed", _("Removed")

    import_run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes")
    change = models.CharField(max_length=10, choices=Change.choices)
    municipality = models.ForeignKey("layers.Municipality", on_delete=models.CASCADE)
    source_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    address = models.CharField(max_length=300, blank=True)
    geom = gis_models.GeometryField(srid=4326, spatial_index=False)

    class Meta:
        ordering = ["import_run", "change", "source_id"]
        indexes = [models.Index(fields=["import_run", "change"])]

    def __str__(self):
        return f"{self.get_change_display()}: {self.name or self.source_id}"


class ColumnChoice(models.Model):
    """The columns an editor chose for a municipality's files of a layer, used again for the next file."""

    layer = models.ForeignKey("layers.Layer", on_delete=models.CASCADE)
    municipality = models.ForeignKey("layers.Municipality", on_delete=models.CASCADE, null=True, blank=True)
    columns = models.JSONField(default=dict, help_text=_("Target (name, address, a field…) → the file's column."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["layer", "municipality"], name="column_choice_unique", nulls_distinct=False)
        ]

    def __str__(self):
        return f"{self.layer.slug} / {self.municipality or '-'}"


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
