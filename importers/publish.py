"""Compare candidates with what is published, and publish them in one transaction."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils import timezone

from layers.models import Feature, Layer, Municipality, Ward

from .versions import record_version

REPLACE = "replace"
UPSERT = "upsert"


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_dict(self):
        return asdict(self)


def _scope(layer, municipality):
    features = Feature.objects.filter(layer=layer)
    return features if municipality is None else features.filter(municipality=municipality)


def _same(feature: Feature, candidate) -> bool:
    if (feature.name, feature.name_kana, feature.address, feature.properties) != (
        candidate.name,
        candidate.name_kana,
        candidate.address,
        candidate.properties,
    ):
        return False
    if feature.municipality.code != candidate.municipality_code:
        return False
    stored = shapely.from_wkb(bytes(feature.geom.wkb))
    return shapely.equals_exact(stored, candidate.geometry, tolerance=1e-9)


def plan(layer, municipality, candidates, mode):
    """What publishing would do: (summary, features to update, candidates to create, ids to delete)."""
    existing = {
        (f.municipality.code, f.source_id): f
        for f in _scope(layer, municipality)
        .select_related("municipality")
        .only(
            "id",
            "source_id",
            "name",
            "name_kana",
            "address",
            "properties",
            "geom",
            "municipality__code",
        )
    }
    summary = Summary()
    to_update, to_create, seen = [], [], set()
    for candidate in candidates:
        key = (candidate.municipality_code, candidate.source_id)
        seen.add(key)
        feature = existing.get(key)
        if feature is None:
            summary.new += 1
            to_create.append(candidate)
        elif _same(feature, candidate):
            summary.unchanged += 1
        else:
            summary.changed += 1
            to_update.append((feature, candidate))
    removed = [f.pk for key, f in existing.items() if key not in seen]
    if mode == REPLACE:
        summary.removed = len(removed)
    else:
        removed = []
    return summary, to_update, to_create, removed


def _geos(geometry):
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=4326)


# New features go in by COPY: bulk_create spent more time building INSERT statements in Python than
# PostgreSQL spent running them. Generated columns (3857 copies, search keys) are computed as usual.
# What a publish writes from a candidate; a new feature has its layer and source_id besides.
_WRITTEN_FIELDS = ("municipality", "ward", "name", "name_kana", "address", "geom", "properties", "updated_at")
_COPY_COLUMNS = ("layer_id", "source_id", *(Feature._meta.get_field(f).column for f in _WRITTEN_FIELDS))
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format: NULL as \\N, backslash and line/field separators escaped."""
    if value is None:
        return "\\N"
    text = str(value)
    # translate() goes character by character through text that is not ASCII; most values need nothing.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


class _Payload:
    """COPY data as a file psycopg2 reads from, made a batch of rows at a time on each read: PostgreSQL
    works on one batch (3857 copies, search keys, indexes) while the next is formatted here."""

    def __init__(self, batches):
        self._batches = batches

    def read(self, size=-1):
        return next(self._batches, "")


_COPY_BATCH = 100  # rows: small enough that a file of large polygons is sent in several batches


def _copy_batches(layer, candidates, municipalities, wards, now):
    updated_at = now.isoformat()
    for start in range(0, len(candidates), _COPY_BATCH):
        batch = candidates[start : start + _COPY_BATCH]
        # GEOS writes hex a byte at a time; bytes.hex() is ~10 times faster, and hex needs no escaping.
        ewkb = shapely.to_wkb(shapely.set_srid([c.geometry for c in batch], 4326), include_srid=True)
        lines = []
        for candidate, geometry in zip(batch, ewkb, strict=True):
            values = (
                layer.pk,
                _copy_text(candidate.source_id),
                municipalities[candidate.municipality_code],
                _copy_text(wards.get(candidate.ward_code)),
                _copy_text(candidate.name),
                _copy_text(candidate.name_kana),
                _copy_text(candidate.address),
                geometry.hex(),
                _copy_text(json.dumps(candidate.properties, ensure_ascii=False)),
                updated_at,
            )
            lines.append("\t".join(map(str, values)))
        yield "\n".join(lines) + "\n"


def _copy_new_features(layer, candidates, municipalities, wards, now):
    payload = _Payload(_copy_batches(layer, candidates, municipalities, wards, now))
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY layers_feature ({', '.join(_COPY_COLUMNS)}) FROM STDIN", payload)


def publish(layer: Layer, municipality: Municipality | None, candidates, mode, user=None):
    """Apply the candidates atomically, bump the layer version and snapshot it.

    Returns (summary, PublishedVersion).
    """
    with transaction.atomic():
        # One publish of a layer at a time, so versions never interleave.
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        summary, to_update, to_create, removed = plan(layer, municipality, candidates, mode)
        now = timezone.now()
        municipalities = dict(Municipality.objects.values_list("code", "pk"))
        wards = dict(Ward.objects.values_list("code", "pk"))

        def fill(feature, candidate):
            feature.municipality_id = municipalities[candidate.municipality_code]
            feature.ward_id = wards.get(candidate.ward_code)
            feature.name = candidate.name
            feature.name_kana = candidate.name_kana
            feature.address = candidate.address
            feature.geom = _geos(candidate.geometry)
            feature.properties = candidate.properties
            feature.updated_at = now
            return feature

        if removed:
            Feature.objects.filter(pk__in=removed).delete()
        if to_update:
            Feature.objects.bulk_update([fill(f, c) for f, c in to_update], _WRITTEN_FIELDS, batch_size=500)
        if to_create:
            _copy_new_features(layer, to_create, municipalities, wards, now)
        layer.bump_version()
        published = record_version(layer, municipality, user=user)
    return summary, published
