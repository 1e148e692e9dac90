"""The domain: municipalities and their wards, layers, features and who may change what."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import get_kind, hazard_type_choices, hazard_zone, kind_choices
from .status.vocabulary import Opening


def check_digit(code5: str) -> str:
    """The check digit of a 全国地方公共団体コード (JIS X 0401/0402 + 1 digit, weights 6..2, mod 11)."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


class Place(models.Model):
    """An administrative area with a code and names in Japanese, kana and English."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=40)
    name_kana = models.CharField(_("name (kana)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    geom = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        abstract = True
        ordering = ["code"]


class Municipality(Place):
    """市区町村: one of the 43 municipalities of Osaka Prefecture."""

    class Kind(models.TextChoices):
        DESIGNATED_CITY = "designated_city", _("Designated city")
        CITY = "city", _("City")
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")

    code = models.CharField(
        _("code"),
        max_length=5,
        unique=True,
        help_text=_("5-digit local government code"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta(Place.Meta):
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return f"{self.name_ja} ({self.code})"

    @property
    def code6(self) -> str:
        """The 6-digit 全国地方公共団体コード with its check digit (e.g. 271004)."""
        return self.code + check_digit(self.code)


class Ward(Place):
    """区: a ward of a designated city (大阪市 24 区, 堺市 7 区), an area belonging to its city."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="wards")
    code = models.CharField(_("code"), max_length=5, unique=True)

    class Meta(Place.Meta):
        verbose_name = _("ward")
        verbose_name_plural = _("wards")

    def __str__(self):
        return f"{self.municipality.name_ja}{self.name_ja} ({self.code})"


class Layer(models.Model):
    """A map layer (e.g. shelters); its features come from imports, one municipality at a time."""

    class Category(models.TextChoices):
        DISASTER = "disaster", _("Disaster prevention (防災)")
        CHILDCARE = "childcare", _("Childcare (子育て)")
        HEALTH = "health", _("Health and welfare (医療・福祉)")
        PARKS = "parks", _("Parks (公園)")
        OTHER = "other", _("Other (その他)")

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=kind_choices)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    # What the terms of 国土数値情報, GSI and PLATEAU ask to be shown with the data: how it was edited
    # (加工: merged, reprojected, simplified, derived), the data's own date (時点) and the licence's address.
    processing = models.CharField(_("processing (加工)"), max_length=300, blank=True)
    data_as_of = models.CharField(_("data as of (時点)"), max_length=40, blank=True)
    licence_url = models.URLField(_("licence URL"), blank=True)
    # Bumped on every publish: caches and tile URLs carry it, so nothing stale survives a publish.
    version = models.PositiveBigIntegerField(_("version"), default=1)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("layer")
        verbose_name_plural = _("layers")

    def __str__(self):
        return f"{self.name_ja} ({self.slug})"

    @property
    def kind_spec(self):
        return get_kind(self.kind)

    def bump_version(self):
        """Mark a publish; call inside the publishing transaction."""
        now = timezone.now()
        Layer.objects.filter(pk=self.pk).update(version=F("version") + 1, updated_at=now)
        self.refresh_from_db(fields=["version", "updated_at"])


class Feature(models.Model):
    """One published feature of a layer, with properties that follow the layer kind's schema."""

    # No index of its own: the unique (layer, municipality, source_id) index serves lookups by layer.
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features", db_index=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="features")
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True, related_name="features")
    # Stable across re-imports: the shelter 共通ID, or the dataset's own ID.
    source_id = models.CharField(_("source ID"), max_length=100)
    name = models.CharField(_("name"), max_length=300, blank=True)
    name_kana = models.CharField(_("name (kana)"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    geom = models.GeometryField(_("geometry"), srid=4326)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["layer", "municipality", "source_id"]
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "municipality", "source_id"],
                name="feature_unique_source_id_per_municipality",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        kind = self.layer.kind_spec
        if self.geom is not None and not kind.accepts_geometry(self.geom.geom_type):
            raise ValidationError({"geom": _("This layer takes %(types)s.") % {"types": "/".join(kind.geometry_types)}})
        clean, problems = kind.clean_properties(self.properties or {})
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ValidationError({"properties": [f"{p.field}: {p.message_en}" for p in errors]})
        self.properties = clean


class Role(models.Model):
    """What a staff account may do, and for which municipality (none for the prefecture)."""

    class Name(models.TextChoices):
        PREFECTURE_ADMIN = "prefecture_admin", _("Prefecture administrator")
        DATA_EDITOR = "data_editor", _("Municipal data editor")
        DISASTER_STAFF = "disaster_staff", _("Municipal disaster staff")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_roles")
    name = models.CharField(_("role"), max_length=30, choices=Name.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_roles",
    )
    # A 区役所's disaster staff work on their ward's shelters only (designated cities: 大阪市, 堺市).
    ward = models.ForeignKey(
        Ward,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_roles",
        help_text=_("Disaster staff of a ward office: only this ward's shelters."),
    )

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            # NULLS NOT DISTINCT: one prefecture-wide (or city-wide) role of a kind per user, not many.
            models.UniqueConstraint(
                fields=["user", "name", "municipality", "ward"], name="role_unique_per_user", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(name="prefecture_admin", municipality__isnull=True)
                | (~models.Q(name="prefecture_admin") & models.Q(municipality__isnull=False)),
                name="role_municipality_matches_scope",
            ),
        ]

    def __str__(self):
        where = self.municipality.name_ja if self.municipality_id else "大阪府"
        if self.ward_id:
            where += self.ward.name_ja
        return f"{self.user} — {self.get_name_display()} ({where})"

    def clean(self):
        misplaced = self.ward_id and self.ward.municipality_id != self.municipality_id
        if self.ward_id and (self.name != self.Name.DISASTER_STAFF or misplaced):
            raise ValidationError({"ward": _("A ward scopes the disaster staff of the city it belongs to.")})


class ShelterStatus(models.Model):
    """避難所開設状況: the live state of one shelter, kept apart from its imported master data.

    Keyed by the shelter's municipality and stable source ID (共通ID), not by the Feature row, so
    re-importing the master data never touches it. Change it only through layers.status.service.
    """

    Opening = Opening

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="shelter_statuses")
    source_id = models.CharField(_("shelter ID"), max_length=100)
    opening_status = models.CharField(
        _("opening status"), max_length=20, choices=Opening.choices, default=Opening.NOT_OPEN
    )
    evacuee_count = models.PositiveIntegerField(_("evacuees"), default=0)
    capacity_override = models.PositiveIntegerField(_("capacity (overrides the master data)"), null=True, blank=True)
    marked_full = models.BooleanField(_("marked full by staff"), default=False)
    note = models.CharField(_("public note"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # Optimistic concurrency: every update names the version it was based on.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("shelter status")
        verbose_name_plural = _("shelter statuses")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "source_id"], name="shelter_status_unique_shelter")
        ]

    def __str__(self):
        return f"{self.source_id}: {self.get_opening_status_display()}"


class ShelterStatusChange(models.Model):
    """History: one row per accepted status update, with the state before and after."""

    status = models.ForeignKey(ShelterStatus, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["status", "version"]
        verbose_name = _("shelter status change")
        verbose_name_plural = _("shelter status changes")
        constraints = [models.UniqueConstraint(fields=["status", "version"], name="shelter_status_change_unique")]

    def __str__(self):
        return f"{self.status.source_id} v{self.version}"


# The levels a hazard zone states: its depth rank, or its landslide zone class.
HAZARD_LEVELS = tuple(
    code.value for name in ("depth_rank", "zone_class") for code in hazard_zone.KIND.fields_by_name[name].codes
)


class HazardAdvice(models.Model):
    """避難行動の目安: what to do about a hazard at a given level, in plain language.

    Kept as data, not code, so staff can reword it in the admin. Written in Japanese, English and
    やさしい日本語 (easy Japanese, for residents still learning Japanese). The hazard report takes the row
    for the level found at a point, else the hazard's row with no level.
    """

    hazard_type = models.CharField(_("hazard type"), max_length=30, choices=hazard_type_choices)
    level = models.CharField(
        _("level"),
        max_length=30,
        blank=True,
        help_text=_("A depth rank (1–6) or a zone class (warning, special_warning, …); blank for any level."),
    )
    action_ja = models.TextField(_("action (Japanese)"))
    action_en = models.TextField(_("action (English)"))
    action_easy = models.TextField(_("action (easy Japanese, やさしい日本語)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["hazard_type", "level"]
        verbose_name = _("hazard advice")
        verbose_name_plural = _("hazard advice")
        constraints = [models.UniqueConstraint(fields=["hazard_type", "level"], name="hazard_advice_unique_level")]

    def __str__(self):
        return f"{self.get_hazard_type_display()} {self.level or '*'}"

    def clean(self):
        if self.level and self.level not in HAZARD_LEVELS:
            raise ValidationError(
                {"level": _("Use blank, or one of: %(levels)s.") % {"levels": ", ".join(HAZARD_LEVELS)}}
            )

    def action(self, lang: str) -> str:
        return {"en": self.action_en, "easy": self.action_easy}.get(lang, self.action_ja)
