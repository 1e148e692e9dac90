"""Shelter operations: the one place that changes a shelter's live status (避難所開設状況).

Every update names the version it was based on; a stale one is refused, never merged or overwritten.
Every accepted update writes one history row with the state before and after.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from mapapp import metrics

from ..kinds import KINDS
from ..models import Feature, ShelterStatus, ShelterStatusChange
from ..permissions import can_update_status
from .vocabulary import OPEN_STATES, Opening, congestion_for_share

EDITABLE_FIELDS = ("opening_status", "evacuee_count", "capacity_override", "marked_full", "note")
MAX_PEOPLE = 100_000
MAX_NOTE = 200


class StatusError(Exception):
    pass


class NotAllowed(StatusError):
    pass


class InvalidUpdate(StatusError):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StaleVersion(StatusError):
    """The update was based on an older version; `current` is what is stored now."""

    def __init__(self, current: ShelterStatus):
        super().__init__(f"stale: current version is {current.version}")
        self.current = current


def shelter_features():
    kinds = [slug for slug, kind in KINDS.items() if kind.live_status]
    # The boundaries of the municipality and ward are never needed here, and are large.
    related = Feature.objects.filter(layer__kind__in=kinds).select_related("municipality", "layer", "ward")
    return related.defer("municipality__geom", "ward__geom")


def capacity_of(feature: Feature | None, status: ShelterStatus | None) -> int | None:
    if status is not None and status.capacity_override:
        return status.capacity_override
    if feature is None:
        return None
    field = feature.layer.kind_spec.capacity_field
    value = feature.properties.get(field) if field else None
    return value if isinstance(value, int) and value > 0 else None


def congestion(opening_status, evacuee_count, capacity, marked_full=False) -> str | None:
    """The congestion level (vocabulary.CONGESTION_LEVELS) of an open shelter; None when not open."""
    if opening_status not in OPEN_STATES:
        return None
    if marked_full:
        return "full"
    if not capacity:
        return None
    return congestion_for_share(evacuee_count / capacity)


def status_for(feature: Feature) -> ShelterStatus:
    """The stored status, or an unsaved not-open one at version 0."""
    found = ShelterStatus.objects.filter(municipality_id=feature.municipality_id, source_id=feature.source_id).first()
    return found or ShelterStatus(municipality_id=feature.municipality_id, source_id=feature.source_id)


def state_of(status: ShelterStatus, feature: Feature | None = None) -> dict:
    """The public state of a shelter, as the feed, the API and the history record it."""
    capacity = capacity_of(feature, status)
    return {
        "id": status.source_id,
        "municipality": status.municipality.code if status.municipality_id else None,
        "status": status.opening_status,
        "count": status.evacuee_count,
        "capacity": capacity,
        "capacity_override": status.capacity_override,
        "marked_full": status.marked_full,
        "congestion": congestion(status.opening_status, status.evacuee_count, capacity, status.marked_full),
        "note": status.note,
        "opened_at": status.opened_at.isoformat() if status.opened_at else None,
        "closed_at": status.closed_at.isoformat() if status.closed_at else None,
        "updated_at": status.updated_at.isoformat() if status.pk else None,
        "version": status.version,
    }


def clean_changes(changes: dict) -> dict:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidUpdate(sorted(unknown)[0], "not a field that can be changed")
    clean = {}
    if "opening_status" in changes:
        if changes["opening_status"] not in Opening.values:
            raise InvalidUpdate("opening_status", f"must be one of {', '.join(Opening.values)}")
        clean["opening_status"] = changes["opening_status"]
    for name in ("evacuee_count", "capacity_override"):
        if name in changes:
            value = changes[name]
            if value in (None, "") and name == "capacity_override":
                clean[name] = None
                continue
            try:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                number = int(value)
            except (TypeError, ValueError, OverflowError):
                raise InvalidUpdate(name, "must be a whole number") from None
            if not 0 <= number <= MAX_PEOPLE:
                raise InvalidUpdate(name, f"must be between 0 and {MAX_PEOPLE}")
            if name == "capacity_override" and number == 0:
                raise InvalidUpdate(name, "must be at least 1, or empty to use the master data")
            clean[name] = number
    if "marked_full" in changes:
        if not isinstance(changes["marked_full"], bool):
            raise InvalidUpdate("marked_full", "must be true or false")
        clean["marked_full"] = changes["marked_full"]
    if "note" in changes:
        note = str(changes["note"] or "").strip()
        if "\x00" in note:
            raise InvalidUpdate("note", "must not contain NUL characters")
        if len(note) > MAX_NOTE:
            raise InvalidUpdate("note", f"must be at most {MAX_NOTE} characters")
        clean["note"] = note
    return clean


def update_status(feature: Feature, changes: dict, based_on: int, user) -> ShelterStatus:
    """Apply `changes` if the stored version is still `based_on`; raise StaleVersion otherwise."""
    if not can_update_status(user, feature):
        metrics.record_status_update("refused")
        raise NotAllowed("you may not update this shelter's status")
    try:
        clean = clean_changes(changes)
    except InvalidUpdate:
        metrics.record_status_update("invalid")
        raise
    with transaction.atomic():
        # Make sure the row exists, then lock it: concurrent first updates must not both create it.
        ShelterStatus.objects.bulk_create(
            [ShelterStatus(municipality_id=feature.municipality_id, source_id=feature.source_id)],
            ignore_conflicts=True,
        )
        status = ShelterStatus.objects.select_for_update().get(
            municipality_id=feature.municipality_id, source_id=feature.source_id
        )
        if status.version != based_on:
            metrics.record_status_update("stale")
            raise StaleVersion(status)
        before = state_of(status, feature)
        now = timezone.now()
        was_open = status.opening_status in OPEN_STATES
        for name, value in clean.items():
            setattr(status, name, value)
        if status.opening_status in OPEN_STATES and not was_open:
            status.opened_at, status.closed_at = now, None
        elif status.opening_status == Opening.CLOSED and was_open:
            status.closed_at = now
        if status.opening_status not in OPEN_STATES:
            status.marked_full = False
        status.version += 1
        status.updated_at = now
        status.updated_by = user if getattr(user, "pk", None) else None
        status.save()
        ShelterStatusChange.objects.create(
            status=status,
            version=status.version,
            changed_at=now,
            changed_by=status.updated_by,
            before=before,
            after=state_of(status, feature),
        )
    metrics.record_status_update("accepted")
    return status


def feed_fingerprint() -> str:
    """Changes whenever any status changes: the newest update time and the number of records."""
    agg = ShelterStatus.objects.aggregate(latest=Max("updated_at"), n=Count("id"))
    latest = agg["latest"].isoformat() if agg["latest"] else "-"
    return f"{latest}/{agg['n']}"


def status_feed(municipality_code=None) -> list[dict]:
    """Every shelter with a status record, compact, with capacity from the master data."""
    # The municipality's boundary is large and never needed here (it made the feed 8× slower).
    statuses = (
        ShelterStatus.objects.select_related("municipality")
        .defer("municipality__geom")
        .order_by("municipality__code", "source_id")
    )
    if municipality_code:
        statuses = statuses.filter(municipality__code=municipality_code)
    features = {
        (f.municipality_id, f.source_id): f
        for f in shelter_features().filter(
            source_id__in=[s.source_id for s in statuses], municipality_id__in={s.municipality_id for s in statuses}
        )
    }
    out = []
    for status in statuses:
        state = state_of(status, features.get((status.municipality_id, status.source_id)))
        for private in ("capacity_override", "marked_full", "version"):
            state.pop(private)
        out.append(state)
    return out
