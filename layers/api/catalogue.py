"""The layer catalogue: what a client needs to draw a layer and build its filter UI."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import get_language

from mapapp.routers import read_connection

from ..kinds import get_kind
from ..kinds.base import BOOLEAN, CODE, CODES, TAGS
from ..models import Layer
from . import caching
from .errors import NotFound
from .params import describe_filter_parameters


@dataclass(frozen=True)
class LayerRef:
    """What the tile path needs to know of a layer: facts that do not change with a publish."""

    pk: int
    slug: str
    kind: str

    @property
    def kind_spec(self):
        return get_kind(self.kind)


# slug → LayerRef, per process. The tile SQL re-checks id, slug and kind, so a stale entry is noticed.
_REFS: dict[str, LayerRef] = {}


def layer_ref(slug, *, fresh=False) -> LayerRef:
    """The layer a tile URL names, from memory after the first request; NotFound (404) if none."""
    ref = None if fresh else _REFS.get(slug)
    if ref is None:
        with read_connection().cursor() as cursor:
            cursor.execute("SELECT id, kind FROM layers_layer WHERE slug = %s", [slug])
            row = cursor.fetchone()
        if row is None:
            _REFS.pop(slug, None)
            raise NotFound(f"no layer {slug!r}")
        ref = _REFS[slug] = LayerRef(row[0], slug, row[1])
    return ref


def current_version(ref: LayerRef) -> int | None:
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT version FROM layers_layer WHERE id = %s AND slug = %s", [ref.pk, ref.slug])
        row = cursor.fetchone()
    return row[0] if row else None


def get_layer(slug) -> Layer:
    """The layer named by a URL, or NotFound (404)."""
    try:
        return Layer.objects.get(slug=slug)
    except Layer.DoesNotExist:
        raise NotFound(f"no layer {slug!r}") from None


def layers_with_extent():
    # Aggregating queries ignore Meta.ordering, so the order is explicit.
    return Layer.objects.annotate(feature_count=Count("features"), extent=Extent("features__geom")).order_by(
        "sort_order", "slug"
    )


def layer_with_extent(slug) -> Layer:
    layer = layers_with_extent().filter(slug=slug).first()
    if layer is None:
        raise NotFound(f"no layer {slug!r}")
    return layer


def layer_catalogue():
    return [describe_layer(layer) for layer in layers_with_extent()]


def current_catalogue():
    """layer_catalogue() as of the layers' rows now, kept per fingerprint and language: counting and boxing
    every feature took most of the map page's time under load (p95 4.1 s in bench/LOAD.md)."""
    key = f"catalogue-list:{caching.catalogue_fingerprint()}:{get_language()}"
    return caching.cached_document(key, layer_catalogue)


def credit(layer) -> dict:
    """What the data's terms ask to be shown wherever it is: source, 加工 statement, licence, 時点."""
    return {
        "source": layer.source,
        "attribution": layer.attribution,
        "processing": layer.processing,
        "licence": layer.licence,
        "licence_url": layer.licence_url,
        "data_as_of": layer.data_as_of,
    }


def boundaries_credit() -> dict:
    """The municipal and ward boundaries (国土数値情報 N03), shown on the map with the layers."""
    return dict(settings.BOUNDARIES_CREDIT)


def tile_url_template(layer) -> str:
    """The tile URL a client should use: it carries the version, so the tiles may be cached for good."""
    path = reverse("tile", kwargs={"slug": layer.slug, "z": "0", "x": "0", "y": "0"})
    return path.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf") + f"?v={layer.version}"


# The values a filter offers: codes (one or a list), free tags and yes/no.
_OFFERED_TYPES = (CODE, CODES, TAGS, BOOLEAN)


def _offers_values(f) -> bool:
    return f.filterable and (f.type in _OFFERED_TYPES or bool(f.codes))


def filter_values(layer) -> dict[str, list[dict]]:
    """{field: [{value, count}, …] most first} for the layer's filterable code, tag and yes/no fields.

    A filter offers only what the data holds: a municipality's file without 福祉避難所 gets no box for it,
    and free tags (clinic departments) get boxes at all. Counted once per layer version.
    """
    fields = [f for f in layer.kind_spec.fields if _offers_values(f)]
    if not fields:
        return {}

    def build():
        parts, params = [], []
        for f in fields:
            if f.type in (CODES, TAGS):
                values = (
                    "jsonb_array_elements_text(CASE WHEN jsonb_typeof(feat.properties -> %s) = 'array' "
                    "THEN feat.properties -> %s ELSE '[]'::jsonb END)"
                )
                params += [f.name, f.name, f.name, layer.pk]
            else:
                values = "(SELECT feat.properties ->> %s)"
                params += [f.name, f.name, layer.pk]
            parts.append(
                f"SELECT %s AS field, v.value, count(*) "
                f"FROM layers_feature feat CROSS JOIN LATERAL {values} AS v(value) "
                "WHERE feat.layer_id = %s AND v.value IS NOT NULL AND v.value <> '' GROUP BY v.value"
            )
        found = {f.name: [] for f in fields}
        with read_connection().cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for field, value, count in cursor.fetchall():
                found[field].append({"value": value, "count": count})
        for values in found.values():
            values.sort(key=lambda v: (-v["count"], v["value"]))
        return found

    return caching.cached_document(f"filter-values:{layer.pk}:{layer.version}", build, timeout=24 * 3600)


def describe_layer(layer):
    kind = layer.kind_spec
    parameters = describe_filter_parameters(kind)
    fields = []
    for f in kind.fields:
        described = f.describe()
        if f.filterable:
            described["parameters"] = parameters[f.name]
        fields.append(described)
    extent = getattr(layer, "extent", None)
    return {
        "slug": layer.slug,
        "name": {"ja": layer.name_ja, "en": layer.name_en},
        "description": {"ja": layer.description_ja, "en": layer.description_en},
        "kind": layer.kind,
        "kind_label": {"ja": kind.label_ja, "en": kind.label_en},
        "geometry_types": list(kind.geometry_types),
        "category": layer.category,
        "category_label": str(layer.get_category_display()),
        "version": layer.version,
        "feature_count": getattr(layer, "feature_count", None),
        "bbox": [round(v, 6) for v in extent] if extent else None,
        "updated_at": layer.updated_at.isoformat(),
        "licence": layer.licence,
        "source": layer.source,
        "attribution": layer.attribution,
        "credit": credit(layer),
        "features_url": reverse("layer-features", args=[layer.slug]),
        "csv_url": reverse("layer-features", args=[layer.slug]) + "?format=csv",
        "tile_url": tile_url_template(layer),
        "tilejson_url": reverse("tilejson", args=[layer.slug]),
        "ogc_url": reverse("ogc-collection", args=[layer.slug]),
        # What the `filter` parameter (CQL2) may name, here and in the OGC API.
        "queryables_url": reverse("ogc-queryables", args=[layer.slug]),
        "fields": fields,
        "filterable_fields": [f.name for f in kind.filterable_fields],
        "filter_parameters": parameters,
        "filter_values": filter_values(layer),
        "tile_properties": list(kind.tile_properties),
        "min_zoom": kind.min_zoom,
        "live_status": kind.live_status,
    }
