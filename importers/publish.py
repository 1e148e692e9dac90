"""Compare candidates with what is published, and publish them in one transaction."""

from __future__ import annotations

import io
import json
import struct
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

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
# COPY's binary format: the geometry goes as the EWKB bytes shapely makes (text COPY needed them as hex,
# twice the bytes, encoded here and decoded again by PostGIS), and no value needs escaping.
# What a publish writes from a candidate; a new feature has its layer and source_id besides.
_WRITTEN_FIELDS = ("municipality", "ward", "name", "name_kana", "address", "geom", "properties", "updated_at")
_COPY_COLUMNS = ("layer_id", "source_id", *(Feature._meta.get_field(f).column for f in _WRITTEN_FIELDS))
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)  # no flags, no header extension
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_NULL = struct.pack("!i", -1)
_INT8 = struct.Struct("!iq")
_JSONB_VERSION = b"\x01"


def _binary(value: bytes) -> bytes:
    return struct.pack("!i", len(value)) + value


def _copy_new_features(layer, candidates, municipalities, wards, now):
    ewkb = shapely.to_wkb(shapely.set_srid([c.geometry for c in candidates], 4326), include_srid=True)
    delta = now - _PG_EPOCH
    updated_at = _INT8.pack(8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    layer_id = _INT8.pack(8, layer.pk)
    field_count = struct.pack("!h", len(_COPY_COLUMNS))
    data = [_COPY_SIGNATURE]
    for candidate, geometry in zip(candidates, ewkb, strict=True):
        ward = wards.get(candidate.ward_code)
        properties = json.dumps(candidate.properties, ensure_ascii=False).encode()
        data += (
            field_count,
            layer_id,
            _binary(candidate.source_id.encode()),
            _INT8.pack(8, municipalities[candidate.municipality_code]),
            _NULL if ward is None else _INT8.pack(8, ward),
            _binary(candidate.name.encode()),
            _binary(candidate.name_kana.encode()),
            _binary(candidate.address.encode()),
            _binary(geometry),
            _binary(_JSONB_VERSION + properties),
            updated_at,
        )
    data.append(struct.pack("!h", -1))
    copy_in(f"COPY layers_feature ({', '.join(_COPY_COLUMNS)}) FROM STDIN WITH (FORMAT binary)", b"".join(data))


def copy_in(sql, data: bytes):
    """Run `COPY … FROM STDIN` with `data` through whichever driver Django uses (psycopg 2 or 3)."""
    with connection.cursor() as cursor:
        if hasattr(cursor.cursor, "copy_expert"):  # psycopg2
            cursor.copy_expert(sql, io.BytesIO(data))
        else:  # psycopg 3
            with cursor.cursor.copy(sql) as copy:
                copy.write(data)


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
