"""「この建物」: the assumed inundation at the building standing at a point (PLATEAU building models).

Part of the hazard report: where a building-hazard layer (kind building_hazard) has a footprint under
the point, its deepest assumed depth per hazard, in the active language, with the layer's credit.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils.translation import pgettext

from ..models import Feature, Layer

BUILDING_KIND = "building_hazard"


def _phrases():
    """Per hazard: the property holding its depth and the phrase that states it (looked up when called)."""
    return (
        (
            "flood_depth_m",
            "flood",
            pgettext("hazard report", "river flood up to %(depth)s m (largest assumed rainfall)"),
        ),
        ("flood_planned_depth_m", "flood", pgettext("hazard report", "river flood up to %(depth)s m (planned scale)")),
        ("storm_surge_depth_m", "storm_surge", pgettext("hazard report", "storm surge up to %(depth)s m")),
        ("tsunami_depth_m", "tsunami", pgettext("hazard report", "tsunami up to %(depth)s m")),
    )


def building_at(point: Point, lang: str, source) -> dict | None:
    """The building under `point` with its assumed depths, or None. `source(layer, lang)` describes a layer."""
    layers = Layer.objects.filter(kind=BUILDING_KIND).order_by("sort_order", "slug")
    found = (
        Feature.objects.filter(layer__in=layers, geom__intersects=point)
        .select_related("layer")
        .order_by("-properties__deepest_m", "pk")
        .first()
    )
    if found is None:
        return None
    props = found.properties
    hazards, parts = [], []
    for field, hazard_type, phrase in _phrases():
        depth = props.get(field)
        if depth is None:
            continue
        rank_field = field.replace("_depth_m", "_rank")
        hazards.append({"field": field, "hazard_type": hazard_type, "depth_m": depth, "rank": props.get(rank_field)})
        parts.append(phrase % {"depth": f"{depth:.1f}"})
    separator = ", " if lang == "en" else "、"
    return {
        "id": found.pk,
        "layer": found.layer.slug,
        "building_id": props.get("building_id") or found.source_id,
        "address": found.address,
        "deepest_m": props.get("deepest_m"),
        "hazards": hazards,
        "text": pgettext("hazard report", "This building: %(hazards)s") % {"hazards": separator.join(parts)},
        "source": source(found.layer, lang),
    }
