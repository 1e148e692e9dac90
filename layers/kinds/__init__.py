"""The registry of layer kinds. Adding a kind means adding its module and one line here."""

from . import building_hazard, childcare, clinic, hazard_zone, park, shelter
from .base import LayerKind

KINDS: dict[str, LayerKind] = {
    module.KIND.slug: module.KIND for module in (shelter, hazard_zone, building_hazard, childcare, park, clinic)
}


def get_kind(slug: str) -> LayerKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise LookupError(f"unknown layer kind {slug!r}; known: {', '.join(KINDS)}") from None


def kind_choices():
    """Passed to the model field as a callable, so migrations refer to it rather than freeze the list:
    adding a kind needs no migration."""
    return [(slug, f"{kind.label_ja} / {kind.label_en}") for slug, kind in KINDS.items()]


def hazard_type_choices():
    """The hazard types of the hazard-zone kind's code list; a callable for the same reason."""
    return [(code.value, f"{code.label_ja} / {code.label_en}") for code in hazard_zone.HAZARD_TYPES]
