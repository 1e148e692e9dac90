"""Published versions of a layer: a snapshot per publish, and rollback to any earlier version.

A publish replaces one municipality's part of a layer, or all of it. The layer as of version N is,
for each municipality, the snapshot of the latest publish at or before N that covered it.
Rolling back is itself a publish (a new version), so caches and tile URLs move forward, never back.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q

from layers.models import Feature, Layer, Municipality

from .models import PublishedVersion

_SNAPSHOT_SQL = """
INSERT INTO importers_featuresnapshot
    (published_version_id, municipality_id, ward_id, source_id, name, name_kana, address, geom, properties, updated_at)
SELECT %(version_id)s, municipality_id, ward_id, source_id, name, name_kana, address, geom, properties, updated_at
FROM layers_feature
WHERE layer_id = %(layer)s AND (%(municipality)s::bigint IS NULL OR municipality_id = %(municipality)s)
"""

_RESTORE_SQL = """
INSERT INTO layers_feature
    (layer_id, municipality_id, ward_id, source_id, name, name_kana, address, geom, properties, updated_at)
SELECT %(layer)s, municipality_id, ward_id, source_id, name, name_kana, address, geom, properties, now()
FROM importers_featuresnapshot
WHERE published_version_id = %(version_id)s AND municipality_id = %(municipality)s
"""


class RollbackError(Exception):
    pass


def record_version(layer: Layer, municipality, import_run=None, user=None, rolled_back_to=None) -> PublishedVersion:
    """Snapshot the part of `layer` just published (inside the publishing transaction)."""
    published = PublishedVersion.objects.create(
        layer=layer,
        version=layer.version,
        municipality=municipality,
        import_run=import_run,
        user=user,
        rolled_back_to=rolled_back_to,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _SNAPSHOT_SQL,
            {"version_id": published.pk, "layer": layer.pk, "municipality": municipality.pk if municipality else None},
        )
    return published


def _covering(layer, municipality_id, at_most):
    """The latest publish at or before `at_most` whose scope covered the municipality."""
    return (
        PublishedVersion.objects.filter(layer=layer, version__lte=at_most)
        .filter(Q(municipality_id=municipality_id) | Q(municipality__isnull=True))
        .order_by("-version")
        .first()
    )


def rollback(layer: Layer, to_version: int, user=None, municipality=None) -> int:
    """Make `layer` look as it did at `to_version`; returns the new version number.

    With `municipality`, only that municipality's part of the layer goes back; the rest stays.
    """
    with transaction.atomic():
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        if not PublishedVersion.objects.filter(layer=layer, version=to_version).exists():
            raise RollbackError(f"{layer.slug} has no published version {to_version}")
        later = PublishedVersion.objects.filter(layer=layer, version__gt=to_version)
        if municipality is not None:
            affected = {municipality.pk}
        elif later.filter(municipality__isnull=True).exists():
            affected = set(Municipality.objects.values_list("pk", flat=True))
        else:
            affected = set(later.values_list("municipality_id", flat=True))
        Feature.objects.filter(layer=layer, municipality_id__in=affected).delete()
        for municipality_id in sorted(affected):
            source = _covering(layer, municipality_id, to_version)
            if source is None:
                continue  # the municipality had nothing in this layer at that version
            with connection.cursor() as cursor:
                cursor.execute(
                    _RESTORE_SQL, {"layer": layer.pk, "version_id": source.pk, "municipality": municipality_id}
                )
        layer.bump_version()
        record_version(layer, municipality, user=user, rolled_back_to=to_version)
        return layer.version


def previous_version(layer: Layer, municipality) -> int | None:
    """The version before the latest publish that covered `municipality` (None: the whole layer),
    i.e. where "undo the last publish" goes back to; None when there is nothing earlier."""
    covering = PublishedVersion.objects.filter(layer=layer)
    if municipality is not None:
        covering = covering.filter(Q(municipality=municipality) | Q(municipality__isnull=True))
    latest = covering.order_by("-version").first()
    if latest is None:
        return None
    earlier = PublishedVersion.objects.filter(layer=layer, version__lt=latest.version).order_by("-version").first()
    return earlier.version if earlier else None
