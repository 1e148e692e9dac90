"""One shelter facility, one record: GSI's two lists (指定緊急避難場所, 指定避難所) paired into facilities.

GSI publishes emergency sites and shelters as two lists, and the same building is often in both: its
共通ID shares the facility serial (E + municipality code + 5-digit serial), the emergency record ends
in 2xx and the shelter record in 1xx, and each says "指定避難所との住所同一" / "指定緊急避難場所との住所同一".
The serial alone is not a facility (one list may hold several buildings under one serial), so an
emergency record is paired with a shelter record of the same serial only where the flags, the
address, the distance and the names agree; never two records of the same list. Pairings that are not
certain are reported.

The pairing runs before publishing (importers.pipeline), over the whole municipality: the file's
records replace (or update) their own list's part of each facility, the other list's parts already
published stay, and everything is paired again. Live status follows a facility when its ID changes
(rekey_statuses), so no update staff made is lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import shapely
from pyproj import Geod

from layers.models import Feature, ShelterStatus

from .report import WARNING, Finding
from .validate import Candidate

EMERGENCY, SHELTER = "emergency_site", "shelter"
# The properties each list contributes to a facility (the rest are the facility's own).
EMERGENCY_FIELDS = ("disasters",)
SHELTER_FIELDS = ("shelter_type", "capacity", "accepted_people", "phone")
PART_IDS = {EMERGENCY: "emergency_site_id", SHELTER: "shelter_id"}
MAX_PAIR_METRES = 1000  # further apart, two records are two places whatever their names say
CERTAIN_SCORE = 5
SURE_SCORE = 8  # of 9: both flags, the same address, within 50 m, alike names (less one)
MIN_SCORE = 3
_GEOD = Geod(ellps="GRS80")


@dataclass
class Part:
    """One list's record of a facility."""

    list: str  # EMERGENCY or SHELTER
    source_id: str
    name: str
    name_kana: str
    address: str
    geometry: object  # shapely point, EPSG:4326
    properties: dict
    municipality_code: str
    ward_code: str | None
    row: int | None = None  # the file's row, for records of this import
    reading: str | None = None

    @property
    def serial(self) -> str | None:
        """E + municipality code + serial: the facility part of a 共通ID (E2720500004201 → E2720500004)."""
        sid = self.source_id
        return sid[:11] if len(sid) == 14 and sid[0] == "E" and sid[1:].isdigit() else None

    @property
    def same_address_flag(self) -> bool:
        return bool(self.properties.get("also_other_designation"))


@dataclass
class Pairing:
    emergency: Part | None
    shelter: Part | None
    score: int = 0
    certain: bool = True
    alternatives: list = field(default_factory=list)


def part_of(candidate: Candidate) -> Part | None:
    designation = candidate.properties.get("designation")
    if designation not in (EMERGENCY, SHELTER):
        return None
    return Part(
        designation,
        candidate.source_id,
        candidate.name,
        candidate.name_kana,
        candidate.address,
        candidate.geometry,
        dict(candidate.properties),
        candidate.municipality_code,
        candidate.ward_code,
        row=candidate.row,
    )


def parts_of(feature: Feature) -> list[Part]:
    """A published facility split back into its lists' records (a record published before pairing is one)."""
    props = dict(feature.properties)
    point = shapely.from_wkb(bytes(feature.geom.wkb))
    code, ward = feature.municipality.code, feature.ward.code if feature.ward_id else None
    ids = {lst: props.get(key) for lst, key in PART_IDS.items() if props.get(key)}
    if not ids:
        designation = props.get("designation")
        if designation not in (EMERGENCY, SHELTER):
            return []
        ids = {designation: feature.source_id}
    parts = []
    for lst, source_id in ids.items():
        own = EMERGENCY_FIELDS if lst == EMERGENCY else SHELTER_FIELDS
        other = SHELTER_FIELDS if lst == EMERGENCY else EMERGENCY_FIELDS
        properties = {k: v for k, v in props.items() if k not in other and k not in PART_IDS.values()}
        properties = {k: v for k, v in properties.items() if k not in ("designations", "pairing")}
        properties["designation"] = lst
        name = props.get("emergency_site_name") or feature.name if lst == EMERGENCY else feature.name
        properties.pop("emergency_site_name", None)
        if lst == SHELTER and len(ids) > 1:
            properties.pop("disasters", None)
        for key in own:
            if key in props:
                properties[key] = props[key]
        parts.append(Part(lst, source_id, name, feature.name_kana, feature.address, point, properties, code, ward))
    return parts


# ---------------------------------------------------------------- pairing


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def _core_name(name: str) -> str:
    """The name without what a list adds in brackets: 金塚小学校（運動場） → 金塚小学校."""
    return re.sub(r"[(（［\[].*?[)）］\]]", "", _normal(name))


def _metres(a: Part, b: Part) -> float:
    return _GEOD.inv(a.geometry.x, a.geometry.y, b.geometry.x, b.geometry.y)[2]


def score(emergency: Part, shelter: Part) -> int | None:
    """How well two records of one serial describe one facility; None when they cannot be one."""
    metres = _metres(emergency, shelter)
    if metres > MAX_PAIR_METRES:
        return None
    points = 0
    if emergency.same_address_flag and shelter.same_address_flag:
        points += 3
    elif emergency.same_address_flag or shelter.same_address_flag:
        points += 1
    if _normal(emergency.address) and _normal(emergency.address) == _normal(shelter.address):
        points += 2
    points += 2 if metres < 50 else 1 if metres < 300 else 0
    a, b = _core_name(emergency.name), _core_name(shelter.name)
    similarity = SequenceMatcher(None, a, b).ratio() if a and b else 0
    if a and b and (a in b or b in a):
        similarity = max(similarity, 0.9)  # 金塚小学校（運動場）, 金塚小学校; 大阪府立東淀川支援学校
    points += 2 if similarity >= 0.8 else 1 if similarity >= 0.5 else 0
    return points


def pair(parts: list[Part]) -> list[Pairing]:
    """Pair emergency and shelter records of each serial, best first; each record in one facility."""
    by_serial: dict[str | None, dict[str, list[Part]]] = {}
    for part in parts:
        by_serial.setdefault(part.serial, {EMERGENCY: [], SHELTER: []})[part.list].append(part)
    pairings = []
    for serial, lists in by_serial.items():
        emergencies, shelters = lists[EMERGENCY], lists[SHELTER]
        if serial is None:  # no 共通ID to go by: each record is its own facility
            pairings += [Pairing(p, None) for p in emergencies] + [Pairing(None, p) for p in shelters]
            continue
        scored = sorted(
            ((s, e, sh) for e in emergencies for sh in shelters if (s := score(e, sh)) is not None and s >= MIN_SCORE),
            # Best score first; among equals the nearer pair (the building, not its playground).
            key=lambda t: (-t[0], _metres(t[1], t[2]), t[1].source_id, t[2].source_id),
        )
        used = set()
        for points, emergency, shelter in scored:
            if id(emergency) in used or id(shelter) in used:
                continue
            used.update((id(emergency), id(shelter)))
            metres = _metres(emergency, shelter)
            rivals = [
                t
                for t in scored
                if t[0] == points and (t[1] is emergency) != (t[2] is shelter) and abs(_metres(t[1], t[2]) - metres) < 1
            ]
            alone = len(emergencies) == 1 and len(shelters) == 1
            # Certain: the serial's only two records agree, or the best match of several agrees on all
            # counts (flags, address, place, name) with no other pair as good.
            certain = (alone and points >= CERTAIN_SCORE) or (points >= SURE_SCORE and not rivals)
            pairings.append(Pairing(emergency, shelter, points, certain, rivals))
        pairings += [Pairing(e, None) for e in emergencies if id(e) not in used]
        pairings += [Pairing(None, s) for s in shelters if id(s) not in used]
    return pairings


# ---------------------------------------------------------------- facilities


def facility(pairing: Pairing) -> Candidate:
    """The one record of a facility: the shelter's building and details, the emergency site's disaster types."""
    emergency, shelter = pairing.emergency, pairing.shelter
    main = shelter or emergency
    properties = dict(main.properties)
    if emergency and shelter:
        for key in EMERGENCY_FIELDS:
            properties.pop(key, None)
            if key in emergency.properties:
                properties[key] = emergency.properties[key]
        if _normal(emergency.name) != _normal(shelter.name):
            properties["emergency_site_name"] = emergency.name
        remarks = [p.properties.get("remarks") for p in (shelter, emergency) if p.properties.get("remarks")]
        if remarks:
            properties["remarks"] = " / ".join(dict.fromkeys(remarks))
        properties["pairing"] = "certain" if pairing.certain else "probable"
    designations = []
    if emergency:
        designations.append(EMERGENCY)
        properties[PART_IDS[EMERGENCY]] = emergency.source_id
    if shelter:
        designations.append(SHELTER)
        if shelter.properties.get("shelter_type") == "welfare":
            designations.append("welfare_shelter")
        properties[PART_IDS[SHELTER]] = shelter.source_id
    properties["designation"] = SHELTER if shelter else EMERGENCY
    properties["designations"] = designations
    return Candidate(
        row=main.row or (emergency.row if emergency else 0) or 0,
        source_id=(emergency or shelter).source_id,
        name=main.name,
        name_kana=main.name_kana or (emergency.name_kana if emergency else ""),
        address=main.address or (emergency.address if emergency else ""),
        geometry=main.geometry,
        properties=properties,
        municipality_code=main.municipality_code,
        ward_code=main.ward_code,
    )


def consolidate(layer, municipality, candidates: list[Candidate], mode: str) -> tuple[list[Candidate], list[Finding]]:
    """The facilities the municipality (or every municipality touched) holds after this import.

    `replace`: the file's lists replace their own parts; the other list's parts stay. `upsert`: the
    file's records replace the parts with their IDs. Returns the full set, to be published as a
    replace of those municipalities, and a warning for every pairing that is not certain.
    """
    incoming = [p for c in candidates if (p := part_of(c))]
    passthrough = [c for c in candidates if part_of(c) is None]
    existing = Feature.objects.filter(layer=layer).select_related("municipality", "ward")
    if municipality is not None:  # prefecture-wide: the whole layer is published again
        existing = existing.filter(municipality=municipality)
    lists_in_file = {(p.municipality_code, p.list) for p in incoming}
    incoming_ids = {(p.municipality_code, p.source_id) for p in incoming}
    kept = []
    for feature in existing:
        for part in parts_of(feature):
            if mode == "replace" and (part.municipality_code, part.list) in lists_in_file:
                continue  # this list is replaced by the file
            if (part.municipality_code, part.source_id) in incoming_ids:
                continue  # the file's record of this part wins
            kept.append(part)
    pairings = pair(incoming + kept)
    findings = [_uncertain(p) for p in pairings if p.emergency and p.shelter and not p.certain]
    return [facility(p) for p in pairings] + passthrough, findings


def _uncertain(pairing: Pairing) -> Finding:
    e, s = pairing.emergency, pairing.shelter
    row = e.row or s.row
    return Finding(
        "facility_pairing_uncertain",
        f"指定緊急避難場所「{e.name}」（{e.source_id}）と指定避難所「{s.name}」（{s.source_id}）を同じ施設と"
        f"みなしました（一致度 {pairing.score}）。違う場合は備考・住所を確かめてください",
        f"Took emergency site “{e.name}” ({e.source_id}) and shelter “{s.name}” ({s.source_id}) for one "
        f"facility (score {pairing.score}); check their addresses if they are not",
        severity=WARNING,
        row=row,
        field="共通ID",
        value=f"{e.source_id} + {s.source_id}",
    )


def rekey_statuses(layer, facilities: list[Candidate]):
    """Live status follows its facility: a status kept under a part's ID moves to the facility's ID.

    Call inside the publishing transaction. Where both IDs hold a status, the facility's stays.
    One query reads every status involved, one update per status that moves.
    """
    others_of = {}
    for candidate in facilities:
        part_ids = (candidate.properties.get(key) for key in PART_IDS.values())
        others = [pid for pid in part_ids if pid and pid != candidate.source_id]
        if others:
            others_of[(candidate.municipality_code, candidate.source_id)] = others
    if not others_of:
        return
    ids = {sid for (_code, sid) in others_of} | {pid for others in others_of.values() for pid in others}
    codes = {code for code, _sid in others_of}
    found = {
        (s.municipality.code, s.source_id): s
        for s in ShelterStatus.objects.filter(municipality__code__in=codes, source_id__in=ids).select_related(
            "municipality"
        )
    }
    for (code, source_id), others in others_of.items():
        if (code, source_id) in found:
            continue
        moving = [found[(code, o)] for o in others if (code, o) in found]
        if moving:
            latest = max(moving, key=lambda s: s.updated_at)
            ShelterStatus.objects.filter(pk=latest.pk).update(source_id=source_id)
