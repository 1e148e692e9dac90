"""The layer catalogue: what a client needs to draw a layer and build its filter UI."""

from django.contrib.gis.db.models import Extent
from django.db.models import Count
from django.urls import reverse

from .models import Layer


def layer_catalogue():
    # Aggregating queries ignore Meta.ordering, so the order is explicit.
    layers = Layer.objects.annotate(feature_count=Count("features"), extent=Extent("features__geom")).order_by(
        "sort_order", "slug"
    )
    return [describe_layer(layer) for layer in layers]


def describe_layer(layer):
    kind = layer.kind_spec
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
        "bbox": [round(v, 6) for v in layer.extent] if getattr(layer, "extent", None) else None,
        "updated_at": layer.updated_at.isoformat(),
        "licence": layer.licence,
        "source": layer.source,
        "attribution": layer.attribution,
        "features_url": reverse("layer-features", args=[layer.slug]),
        "fields": [f.describe() for f in kind.fields],
        "filterable_fields": [f.name for f in kind.filterable_fields],
        "tile_properties": list(kind.tile_properties),
        "min_zoom": kind.min_zoom,
    }
