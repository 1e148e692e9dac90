"""The words of shelter operations, defined once: the opening statuses, which count as open, the
congestion levels and their labels. Templates, the hazard report and the map's JavaScript all take
them from here (the map through `for_client()` in its config).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy


class Opening(models.TextChoices):
    """開設状況: the values of the Cabinet Office's shared disaster information items (EEI)."""

    NOT_OPEN = "not_open", pgettext_lazy("shelter status", "Not open")
    OPEN = "open", pgettext_lazy("shelter status", "Open")
    CLOSED = "closed", pgettext_lazy("shelter status", "Closed")
    UNKNOWN = "unknown", pgettext_lazy("shelter status", "Status unknown")
    PERMANENT = "permanent", pgettext_lazy("shelter status", "Always open")


# Open now: opened for this event, or always open (a permanent shelter is never "opened").
OPEN_STATES = frozenset({Opening.OPEN, Opening.PERMANENT})

# 開設状況 as the EEI code list writes it, for exports to Lアラート and other systems; never translated.
EEI_TERMS = {
    Opening.NOT_OPEN: "未開設",
    Opening.OPEN: "開設",
    Opening.CLOSED: "閉鎖",
    Opening.UNKNOWN: "不明",
    Opening.PERMANENT: "常設",
}


@dataclass(frozen=True)
class CongestionLevel:
    value: str
    below: float | None  # the share of capacity this level stays under; None for the last
    label: Promise
    eei: str  # 定員状況 as exports write it


# As VACAN and many municipalities show them: under 30 %, 30–60 %, 60–80 %, 80 % and over.
CONGESTION_LEVELS = (
    CongestionLevel("available", 0.30, pgettext_lazy("congestion", "Available"), "空いています"),
    CongestionLevel("somewhat_crowded", 0.60, pgettext_lazy("congestion", "Somewhat crowded"), "やや混雑"),
    CongestionLevel("crowded", 0.80, pgettext_lazy("congestion", "Crowded"), "混雑"),
    CongestionLevel("full", None, pgettext_lazy("congestion", "Full"), "満"),
)
CONGESTION_BY_VALUE = {level.value: level for level in CONGESTION_LEVELS}


def is_open(opening_status: str | None) -> bool:
    return opening_status in OPEN_STATES


def opening_label(opening_status: str | None) -> str:
    """The label in the active language; an unknown value reads as 'Status unknown'."""
    try:
        return str(Opening(opening_status).label)
    except ValueError:
        return str(Opening.UNKNOWN.label)


def congestion_label(congestion: str | None) -> str:
    level = CONGESTION_BY_VALUE.get(congestion or "")
    return str(level.label) if level else ""


def congestion_for_share(share: float) -> str:
    for level in CONGESTION_LEVELS:
        if level.below is None or share < level.below:
            return level.value
    return CONGESTION_LEVELS[-1].value


def for_client() -> dict:
    """The vocabulary in the active language, as the map's JavaScript reads it."""
    return {
        "statuses": [
            {"value": value, "label": str(label), "open": value in OPEN_STATES} for value, label in Opening.choices
        ],
        "congestion": [
            {"value": level.value, "label": str(level.label), "below": level.below} for level in CONGESTION_LEVELS
        ],
    }
