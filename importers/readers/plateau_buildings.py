"""PLATEAU building models (bldg:Building): the assumed inundation at each building, as rows of the
building_hazard kind (layers/kinds/building_hazard.py). Called by the PLATEAU reader (plateau.py),
which streams the file and reads the geometry; this module reads one building's attributes.

Both i-UR generations are read: 2.0 (`uro:buildingDisasterRiskAttribute` holding
`uro:BuildingRiverFloodingRiskAttribute`, `…HighTide…`, `…Tsunami…`) and the FY2024 3.x models
(`uro:bldgDisasterRiskAttribute` holding `uro:RiverFloodingRiskAttribute`, …).
"""

from __future__ import annotations

from .xmltext import local as _local
from .xmltext import namespace as _namespace
from .xmltext import text as _text

FORMAT = "plateau-bldg"

RISK_CONTAINERS = {"buildingDisasterRiskAttribute", "bldgDisasterRiskAttribute"}
RISK_TYPES = {
    "BuildingRiverFloodingRiskAttribute": "flood",
    "RiverFloodingRiskAttribute": "flood",
    "BuildingHighTideRiskAttribute": "storm_surge",
    "HighTideRiskAttribute": "storm_surge",
    "BuildingTsunamiRiskAttribute": "tsunami",
    "TsunamiRiskAttribute": "tsunami",
}
# RiverFloodingRiskAttribute_scale.xml: 1 L1 計画規模, 2 L2 想定最大規模 (what today's hazard maps show).
PLANNED_SCALE = "1"
ID_ELEMENTS = {"buildingID"}  # uro:buildingIDAttribute/uro:BuildingIDAttribute/uro:buildingID (2.0 and 3.x)

COLUMNS = [
    "id",
    "building_id",
    "address",
    "storeys",
    "flood_depth_m",
    "flood_rank",
    "flood_planned_depth_m",
    "flood_planned_rank",
    "flood_duration_h",
    "flood_rivers",
    "storm_surge_depth_m",
    "storm_surge_rank",
    "tsunami_depth_m",
    "tsunami_rank",
]


def is_building(city_object) -> bool:
    return _local(city_object) == "Building" and "/building/" in _namespace(city_object)


def building_attributes(city_object, gml_id: str, label) -> dict | None:
    """The building's row, or None when it carries no risk attribute. `label(element)` reads a code's
    label from the upload's code lists (None without them)."""
    risks = [
        (RISK_TYPES[_local(risk)], risk)
        for container in city_object
        if _local(container) in RISK_CONTAINERS
        for risk in container
        if _local(risk) in RISK_TYPES
    ]
    if not risks:
        return None
    row = {"id": gml_id, "building_id": _building_id(city_object) or gml_id}
    storeys = _child_text(city_object, "storeysAboveGround")
    if storeys:
        row["storeys"] = storeys
    if address := _address(city_object):
        row["address"] = address
    rivers = []
    for hazard, risk in risks:
        children = {_local(c): c for c in risk if isinstance(c.tag, str)}
        if hazard == "flood":
            if _text(children.get("scale")) == PLANNED_SCALE:
                hazard = "flood_planned"
            river = children.get("description")
            if river is not None and _text(river):
                name = label(river) or _text(river)
                if name not in rivers:
                    rivers.append(name)
            _keep_max(row, "flood_duration_h", _text(children.get("duration")))
        rank = children.get("rank") if children.get("rank") is not None else children.get("rankOrg")
        _keep_max(row, f"{hazard}_depth_m", _text(children.get("depth")))
        _keep_max(row, f"{hazard}_rank", _text(rank), cast=int)
    if rivers:
        row["flood_rivers"] = rivers
    return row


def _keep_max(row, name, text, cast=float):
    """The largest of several values (one per river, say); text that is not a number is kept as it is,
    so validation reports it with the field."""
    if not text:
        return
    try:
        value = cast(text)
    except ValueError:
        row.setdefault(name, text)
        return
    current = row.get(name)
    if not isinstance(current, (int, float)) or value > current:
        row[name] = value


def _building_id(city_object) -> str:
    # "{*}name" matches the name in any namespace (or none), in document order, as the loop over every
    # element of the building did.
    for element in city_object.iter(*(f"{{*}}{name}" for name in sorted(ID_ELEMENTS))):
        if _text(element):
            return _text(element)
    return ""


def _address(city_object) -> str:
    """大阪市's models name the ward and 町丁目 in generic attributes (区名, 町丁目名称)."""
    generic = {}
    for element in city_object:
        if _local(element) == "stringAttribute" and element.get("name"):
            value = next((_text(c) for c in element if _local(c) == "value"), "")
            generic[element.get("name")] = value
    return "".join(generic.get(name, "") for name in ("区名", "町丁目名称"))


def _child_text(element, name) -> str:
    return next((_text(c) for c in element if _local(c) == name), "")
