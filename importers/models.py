"""Every import run is kept: who, when, which file, what was detected and what was reported."""

from django.conf import settings
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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.file_name} → {self.layer.slug} ({self.get_status_display()})"
