"""PLATEAU CityGML hazard files (i-UR uro/urf): 洪水・津波・高潮・内水浸水想定区域 and 土砂災害警戒区域, and
building models whose buildings carry the assumed inundation (plateau_buildings.py).

Read with lxml, never with GDAL's GML driver: no DTD, no entities, no network, and a document with a
DOCTYPE is refused. The file is streamed one city object at a time, so no whole DOM is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from lxml import etree
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..crs import label as crs_label
from ..crs import parse_srs_option
from ..report import Finding, ImportRefused, file_error
from . import plateau_buildings as buildings
from .base import SourceRow, SourceTable
from .xmltext import local as _local
from .xmltext import namespace as _namespace
from .xmltext import text as _text

FORMAT = "plateau"

# Hardened lxml options: entities are never substituted, no DTD is loaded, nothing is fetched.
PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

# i-UR extensions of every PLATEAU year: .../iur/uro/2.0, /3.1, and the 2020 kantei.go.jp .../iur/uro/1.4.
IUR_NAMESPACE = re.compile(r"/iur/(uro|urf)/[^/]+/?$")
GML_NAMESPACE = "http://www.opengis.net/gml"  # GML 3.1.1 (CityGML 2.0); also matches .../gml/3.2

# The i-UR 2.0 names (WaterBody…) and their 3.x successors.
RISK_ATTRIBUTES = {
    "WaterBodyRiverFloodingRiskAttribute": "flood",
    "RiverFloodingRiskAttribute": "flood",
    "WaterBodyTsunamiRiskAttribute": "tsunami",
    "TsunamiRiskAttribute": "tsunami",
    "WaterBodyHighTideRiskAttribute": "storm_surge",
    "HighTideRiskAttribute": "storm_surge",
    "WaterBodyInlandFloodingRiskAttribute": "inland_flood",
    "InlandFloodingRiskAttribute": "inland_flood",
}
# PLATEAU file names: <mesh>_<type>_<epsg>_…gml. Only a fallback when the object's types say nothing.
FILE_NAME_TYPES = {"fld": "flood", "tnm": "tsunami", "htd": "storm_surge", "ifld": "inland_flood", "lsld": "landslide"}
_FILE_NAME_TYPE = re.compile(r"_(fld|tnm|htd|ifld|lsld)_")
# Code lists SedimentDisasterProneArea_areaType.xml and _disasterType.xml (national, fixed).
AREA_TYPES = {"1": "warning", "2": "special_warning"}
DISASTER_TYPES = {"1": "steep_slope", "2": "debris_flow", "3": "landslide"}

COLUMNS = [
    "id",
    "name",
    "hazard_type",
    "depth_rank",
    "rank_code",
    "rank_label",
    "rank_org_code",
    "rank_org_label",
    "river",
    "description",
    "description_code",
    "scale",
    "admin_type",
    "depth_m",
    "zone_class",
    "phenomenon",
    "zone_number",
    "address",
    "object_type",
]

POLYGON_ELEMENTS = {"Polygon", "PolygonPatch", "Triangle"}
# The PLATEAU product specification: hazard data is in JGD2011 latitude, longitude, height.
PLATEAU_SRS = "http://www.opengis.net/def/crs/EPSG/0/6697"
_EPSG_IN_SRS_NAME = re.compile(r"EPSG(?:/0/|::|:|/)(\d{4,6})", re.IGNORECASE)


def can_read(upload) -> bool:
    if upload.path.is_file():
        return upload.suffix == ".gml"
    return any(is_plateau(path) for path in upload.files(".gml"))


def is_plateau(path: Path) -> bool:
    """A CityGML CityModel that declares an i-UR namespace (looks at the root element only)."""
    try:
        with open(path, "rb") as fh:
            for _event, root in etree.iterparse(fh, events=("start",), **PARSER_OPTIONS):
                return _is_city_model(root)
    except (etree.XMLSyntaxError, OSError):
        return False
    return False


def _is_city_model(root) -> bool:
    namespaces = (uri for uri in root.nsmap.values() if uri)
    return _local(root) == "CityModel" and any(IUR_NAMESPACE.search(uri) for uri in namespaces)


def read(upload) -> SourceTable:
    paths = upload.files(".gml")
    if not paths:
        raise file_error(
            "no_gml",
            f"{upload.name}: CityGML (.gml) がありません",
            f"{upload.name}: no CityGML (.gml) file inside",
        )
    state = _ReadState(
        codelists=_Codelists(upload),
        fallback_srs=parse_srs_option(upload.options.srs) if upload.options.srs else None,
        limit=settings.MAX_FEATURES_PER_IMPORT + 1,  # one more, so the pipeline can say "too many"
    )
    for path in paths:
        display_name = upload.name if upload.path.is_file() else f"{upload.name}: {path.relative_to(upload.path)}"
        _read_file(path, display_name, state)
        if len(state.rows) >= state.limit:
            break
    if state.rows and state.buildings_with_risk and state.buildings_with_risk != len(state.rows):
        raise file_error(
            "plateau_mixed",
            f"{upload.name}: 建物（bldg）と災害リスク区域が混ざっています。別々のレイヤーに取り込んでください",
            f"{upload.name}: buildings (bldg) and hazard areas are mixed; import them into separate layers",
        )
    if not state.rows and state.buildings_seen:
        raise file_error(
            "no_building_risk",
            f"{upload.name}: {state.buildings_seen} 棟の建物のどれにも浸水想定の属性"
            "（uro:buildingDisasterRiskAttribute / uro:bldgDisasterRiskAttribute）がありません",
            f"{upload.name}: none of its {state.buildings_seen} buildings carries an assumed-inundation attribute "
            "(uro:buildingDisasterRiskAttribute / uro:bldgDisasterRiskAttribute)",
        )
    if not state.rows:
        skipped = ", ".join(sorted(state.skipped)) or "-"
        raise file_error(
            "no_hazard_features",
            f"{upload.name}: 災害リスクの地物（浸水想定区域・土砂災害警戒区域）がありません"
            f"（読み飛ばした地物: {skipped}）",
            f"{upload.name}: no hazard features (flood, tsunami, storm surge, inland flood or sediment disaster "
            f"areas); skipped: {skipped}",
        )
    srs = state.table_srs or _srs_from_name(PLATEAU_SRS)
    if state.buildings_with_risk:
        table_format, columns = buildings.FORMAT, buildings.COLUMNS
    else:
        table_format, columns = FORMAT, COLUMNS
    return SourceTable(table_format, columns, iter(state.rows), encoding="utf-8", crs=srs.crs, notes=state.notes())


@dataclass(frozen=True)
class _Srs:
    name: str
    crs: CRS  # the horizontal CRS; heights are dropped
    epsg: int
    lat_first: bool  # EPSG geographic (and Japan plane rectangular) CRSs put north first
    dimension: int


@lru_cache(maxsize=32)
def _srs_from_name(srs_name: str) -> _Srs:
    """srsName as PLATEAU writes it: http://www.opengis.net/def/crs/EPSG/0/6697, urn:ogc:def:crs:EPSG::6697,
    EPSG:6697, or the compound urn:ogc:def:crs,crs:EPSG::6668,crs:EPSG::6695. EPSG codes only reach PROJ."""
    codes = _EPSG_IN_SRS_NAME.findall(srs_name)
    if not codes:
        raise file_error(
            "unknown_srs",
            f"座標系を読めません（srsName: {srs_name[:100]}）",
            f"Unrecognised srsName (EPSG codes only): {srs_name[:100]}",
        )
    try:
        crs = CRS.from_epsg(int(codes[0]))
    except CRSError:
        raise file_error(
            "unknown_srs",
            f"不明な EPSG コードです（srsName: {srs_name[:100]}）",
            f"Unknown EPSG code in srsName: {srs_name[:100]}",
        ) from None
    dimension = 3 if len(codes) > 1 else len(crs.axis_info)
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    elif len(crs.axis_info) == 3:
        crs = crs.to_2d()
    epsg = crs.to_epsg() or int(codes[0])
    lat_first = crs.axis_info[0].direction.lower() in ("north", "south")
    return _Srs(srs_name, crs, epsg, lat_first, dimension)


@dataclass
class _ReadState:
    codelists: _Codelists
    fallback_srs: CRS | None
    limit: int
    rows: list[SourceRow] = field(default_factory=list)
    table_srs: _Srs | None = None
    srs_assumed: bool = False
    rank_org_rows: int = 0
    skipped: set[str] = field(default_factory=set)
    buildings_seen: int = 0
    buildings_with_risk: int = 0

    def default_srs(self) -> _Srs:
        """For geometry with no srsName anywhere above it: the uploader's choice, else PLATEAU's 6697."""
        if self.fallback_srs is not None:
            epsg = self.fallback_srs.to_epsg()
            return _srs_from_name(f"EPSG:{epsg}")
        self.srs_assumed = True
        return _srs_from_name(PLATEAU_SRS)

    def notes(self) -> list[Finding]:
        notes = []
        if self.srs_assumed:
            notes.append(
                Finding(
                    "crs_assumed",
                    "srsName がないため、PLATEAU の標準どおり JGD2011（緯度・経度・標高, EPSG:6697）とみなしました",
                    "No srsName: read as PLATEAU's standard JGD2011 latitude, longitude, height (EPSG:6697)",
                    severity="warning",
                    value="EPSG:6697",
                )
            )
        if self.rank_org_rows:
            notes.append(
                Finding(
                    "depth_rank_from_rank_org",
                    f"{self.rank_org_rows} 件の地物は浸水ランクが自治体独自の区分（uro:rankOrg）だけで"
                    "書かれているため、そのコードを浸水深ランクとしました。"
                    "標準の6ランクと区分が違うことがあるので凡例を確認してください",
                    f"{self.rank_org_rows} feature(s) give only the municipality's own depth ranks (uro:rankOrg); "
                    "their codes were taken as the depth rank. Check the legend: they may differ from the standard six",
                    severity="warning",
                    field="depth_rank",
                )
            )
        if self.buildings_with_risk and self.buildings_seen > self.buildings_with_risk:
            without = self.buildings_seen - self.buildings_with_risk
            notes.append(
                Finding(
                    "buildings_without_risk",
                    f"浸水想定の属性がない建物 {without} 棟は取り込みませんでした（浸水が想定されていない建物です）",
                    f"{without} building(s) without an assumed-inundation attribute were skipped "
                    "(no inundation is assumed there)",
                    severity="warning",
                    value=str(without),
                )
            )
        missing = sorted(self.codelists.missing)
        if missing:
            notes.append(
                Finding(
                    "codelist_missing",
                    "コードリストがないため、コードで書かれた名称・河川名は読めませんでした（"
                    f"{', '.join(missing)}）。codelists フォルダも一緒に zip にしてください",
                    "Code lists are not in the upload, so coded names and river names could not be read "
                    f"({', '.join(missing)}); zip the file together with its codelists folder",
                    severity="warning",
                )
            )
        return notes


class _Codelists:
    """PLATEAU code lists (gml:Dictionary) that came in the same zip, found by file name.

    codeSpace paths such as ../../codelists/X.xml are never followed: only files of the upload are read.
    """

    def __init__(self, upload):
        self.files = {} if upload.path.is_file() else {p.name: p for p in upload.files(".xml")}
        self.loaded: dict[str, dict[str, str]] = {}
        self.missing: set[str] = set()

    def label(self, element, note_missing=False) -> str | None:
        code_space = element.get("codeSpace") or ""
        name = code_space.replace("\\", "/").rsplit("/", 1)[-1]
        if name not in self.loaded:
            path = self.files.get(name)
            self.loaded[name] = _read_dictionary(path, name) if path else {}
        labels = self.loaded[name]
        if not labels and note_missing:
            self.missing.add(name)
        return labels.get(_text(element))


def _read_dictionary(path: Path, display_name) -> dict[str, str]:
    labels = {}
    for element in _stream(path, display_name, member_names={"dictionaryEntry"}):
        for definition in element:
            names = [c for c in definition if _local(c) == "name"]
            descriptions = [c for c in definition if _local(c) == "description"]
            if names and descriptions:
                labels[_text(names[0])] = _text(descriptions[0])
    return labels


def _stream(path: Path, display_name, member_names, on_root=None, on_start=None):
    """Yield each member element (e.g. core:cityObjectMember) once it is complete, then free it."""
    root = None
    try:
        with open(path, "rb") as fh:
            # No DTD is loaded and no entity substituted; a DOCTYPE is refused before any content is read.
            context = etree.iterparse(fh, events=("start", "end"), **PARSER_OPTIONS)
            for event, element in context:
                if root is None:
                    root = element
                    if element.getroottree().docinfo.doctype:
                        raise file_error(
                            "xml_doctype_refused",
                            f"{display_name}: DOCTYPE（DTD・実体宣言）を含む XML は受け付けません",
                            f"{display_name}: XML with a DOCTYPE (DTD or entity declarations) is refused",
                        )
                    if on_root is not None:
                        on_root(element)
                if event == "start":
                    if on_start is not None:
                        on_start(element)
                    continue
                if _local(element) in member_names and element.getparent() is root:
                    yield element
                    element.clear()
                    while element.getprevious() is not None:
                        del root[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else "?")
        raise file_error(
            "invalid_xml",
            f"{display_name}: XML として読めません（{line} 行目: {exc.msg}）",
            f"{display_name}: not well-formed XML (line {line}: {exc.msg})",
        ) from None


def _read_file(path: Path, display_name, state: _ReadState):
    document = {"srs_name": None, "dimension": None}

    def check_root(root):
        if not _is_city_model(root):
            raise file_error(
                "not_plateau",
                f"{display_name}: PLATEAU の CityGML（i-UR 拡張を使う core:CityModel）ではありません",
                f"{display_name}: not a PLATEAU CityGML file (a core:CityModel using the i-UR extensions)",
            )

    def note_srs(element):
        # The first srsName (normally the CityModel's gml:Envelope) holds for everything below that has none.
        if document["srs_name"] is None and element.get("srsName"):
            document["srs_name"] = element.get("srsName")
            document["dimension"] = element.get("srsDimension")

    file_type = _file_name_type(path.name)
    for member in _stream(path, display_name, {"cityObjectMember", "featureMember"}, check_root, note_srs):
        city_object = next((c for c in member if isinstance(c.tag, str)), None)
        if city_object is None:
            continue
        if buildings.is_building(city_object):
            state.buildings_seen += 1
            gml_id = city_object.get(f"{{{GML_NAMESPACE}}}id") or _gml_id(city_object)
            attributes = buildings.building_attributes(city_object, gml_id, state.codelists.label)
            if attributes is None:
                continue
            state.buildings_with_risk += 1
        else:
            attributes = _hazard_attributes(city_object, file_type, state)
        if attributes is None:
            state.skipped.add(_local(city_object))
            continue
        srs_name, dimension = _own_envelope_srs(city_object) or (document["srs_name"], document["dimension"])
        geometry, problem = _geometry(city_object, srs_name, dimension, state)
        state.rows.append(SourceRow(len(state.rows) + 1, attributes, geometry, problem))
        if len(state.rows) >= state.limit:
            return


def _file_name_type(file_name) -> str | None:
    match = _FILE_NAME_TYPE.search(file_name.lower())
    return FILE_NAME_TYPES[match.group(1)] if match else None


def _hazard_attributes(city_object, file_type, state: _ReadState) -> dict | None:
    """The row's attributes under the hazard_zone kind's field names, or None for a non-hazard object."""
    kind, namespace = _local(city_object), _namespace(city_object)
    codes = state.codelists
    attributes = {"id": city_object.get(f"{{{GML_NAMESPACE}}}id") or _gml_id(city_object), "object_type": kind}
    names = [c for c in city_object if _local(c) == "name" and _namespace(c).startswith(GML_NAMESPACE)]
    if names:
        attributes["name"] = _value(names[0], codes, note_missing=True)

    if kind == "SedimentDisasterProneArea" and IUR_NAMESPACE.search(namespace):
        children = _children_by_name(city_object)
        attributes["hazard_type"] = "landslide"
        area_type = _text(children.get("areaType"))
        disaster_type = _text(children.get("disasterType"))
        attributes["zone_class"] = AREA_TYPES.get(area_type, area_type)
        attributes["phenomenon"] = DISASTER_TYPES.get(disaster_type, disaster_type)
        attributes["zone_number"] = _text(children.get("zoneNumber"))
        attributes["address"] = _text(children.get("location"))
        zone_name = _text(children.get("zoneName"))
        if not attributes.get("name") and zone_name not in ("", "-"):  # "-": the area has no name
            attributes["name"] = zone_name
        return attributes

    if kind != "WaterBody" or "waterbody" not in namespace:
        return None
    risk, hazard_type = None, None
    for prop in city_object:
        if isinstance(prop.tag, str) and IUR_NAMESPACE.search(_namespace(prop)):
            for candidate in prop:
                if isinstance(candidate.tag, str) and _local(candidate) in RISK_ATTRIBUTES:
                    risk, hazard_type = candidate, RISK_ATTRIBUTES[_local(candidate)]
                    break
        if risk is not None:
            break
    hazard_type = hazard_type or (file_type if file_type != "landslide" else None)
    if hazard_type is None:
        return None  # a plain 水部 (river or lake), not a hazard area
    attributes["hazard_type"] = hazard_type
    if risk is None:
        return attributes

    children = _children_by_name(risk)
    rank, rank_org = children.get("rank"), children.get("rankOrg")
    if rank is not None:
        attributes["rank_code"], attributes["rank_label"] = _text(rank), codes.label(rank)
    if rank_org is not None:
        attributes["rank_org_code"], attributes["rank_org_label"] = _text(rank_org), codes.label(rank_org)
    depth_code = _text(rank) if rank is not None else _text(rank_org)
    if rank is None and rank_org is not None:
        state.rank_org_rows += 1
    attributes["depth_rank"] = int(depth_code) if depth_code.isdigit() else depth_code or None
    description = children.get("description")
    if description is not None:
        attributes["description_code"] = _text(description)
        attributes["description"] = _value(description, codes, note_missing=True)
        if hazard_type == "flood":
            attributes["river"] = attributes["description"]
    for source, target in (("scale", "scale"), ("adminType", "admin_type")):
        if source in children:
            attributes[target] = codes.label(children[source]) or _text(children[source])
    if "depth" in children:
        attributes["depth_m"] = _text(children["depth"])
    return attributes


def _geometry(city_object, srs_name, dimension, state: _ReadState):
    """(shapely geometry, east before north, in the table's CRS; None) or (None, problem)."""
    parts = []
    for prop in _lowest_lod_geometry(city_object):
        _collect_polygons(prop, srs_name, dimension, parts)
    if not parts:
        return None, ("missing_geometry", "ジオメトリがありません", "The feature has no geometry")
    polygons = []
    for element, name, dimension in parts:
        try:
            srs = _srs_from_name(name) if name else state.default_srs()
        except ImportRefused as refused:  # this object's own srsName; the document's fails the same way earlier
            finding = refused.findings[0]
            return None, (finding.code, finding.message_ja, finding.message_en)
        if state.table_srs is None:
            state.table_srs = srs
        if srs.epsg != state.table_srs.epsg:
            return None, (
                "mixed_crs",
                f"座標系 {crs_label(srs.crs)} がファイルの座標系 {crs_label(state.table_srs.crs)} と異なります",
                f"The CRS {crs_label(srs.crs)} differs from the file's {crs_label(state.table_srs.crs)}",
            )
        try:
            rings = [_ring(r, srs, dimension) for r in _rings(element)]
            if not rings:
                raise ValueError("a polygon without an exterior ring")
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
        except (ValueError, shapely.errors.GEOSException) as exc:
            return None, (
                "unreadable_geometry",
                f"ジオメトリを読めません: {exc}",
                f"Unreadable geometry: {exc}",
            )
    if len(polygons) == 1:
        return polygons[0], None
    geometry = shapely.MultiPolygon(polygons)
    if not geometry.is_valid:
        # Flood areas are often triangle meshes: the area is the union of the triangles.
        try:
            geometry = shapely.union_all(polygons)
        except shapely.errors.GEOSException:
            pass  # left for validation to repair or report
    return geometry, None


def _lowest_lod_geometry(city_object):
    """The geometry properties (lod0…lod4 MultiSurface, Solid, Geometry) of the lowest LOD present."""
    by_lod = {}
    for prop in city_object:
        if not isinstance(prop.tag, str):
            continue
        match = re.match(r"lod(\d)", _local(prop))
        if match:
            by_lod.setdefault(int(match.group(1)), []).append(prop)
    return by_lod[min(by_lod)] if by_lod else []


def _collect_polygons(element, srs_name, dimension, out):
    srs_name = element.get("srsName") or srs_name
    dimension = element.get("srsDimension") or dimension
    if _local(element) in POLYGON_ELEMENTS:
        out.append((element, srs_name, dimension))
        return
    for child in element:
        if isinstance(child.tag, str):
            _collect_polygons(child, srs_name, dimension, out)


def _rings(polygon):
    """The exterior ring first, then the interior rings."""
    exterior, interiors = [], []
    for boundary in polygon:
        if not isinstance(boundary.tag, str) or _local(boundary) not in ("exterior", "interior"):
            continue
        ring = next((c for c in boundary if isinstance(c.tag, str) and _local(c) == "LinearRing"), None)
        if ring is not None:
            (exterior if _local(boundary) == "exterior" else interiors).append(ring)
    return exterior[:1] + interiors


def _ring(linear_ring, srs: _Srs, dimension):
    pos_list = next((c for c in linear_ring if _local(c) == "posList"), None)
    if pos_list is not None:
        dimension = pos_list.get("srsDimension") or dimension
        numbers = np.array(_text(pos_list).split(), dtype=float)
    else:
        positions = [c for c in linear_ring if _local(c) == "pos"]
        if not positions:
            raise ValueError("a ring without gml:posList or gml:pos")
        dimension = positions[0].get("srsDimension") or dimension or len(_text(positions[0]).split())
        numbers = np.array(" ".join(_text(p) for p in positions).split(), dtype=float)
    dimension = int(dimension or srs.dimension)
    if dimension not in (2, 3) or len(numbers) % dimension:
        raise ValueError(f"{len(numbers)} numbers do not make {dimension}-D positions")
    coords = numbers.reshape(-1, dimension)[:, :2]
    return coords[:, ::-1] if srs.lat_first else coords


def _own_envelope_srs(city_object) -> tuple[str, str | None] | None:
    for child in city_object:
        if isinstance(child.tag, str) and _local(child) == "boundedBy":
            for envelope in child:
                if isinstance(envelope.tag, str) and envelope.get("srsName"):
                    return envelope.get("srsName"), envelope.get("srsDimension")
    return None


def _children_by_name(element) -> dict:
    out = {}
    for child in element:
        if isinstance(child.tag, str):
            out.setdefault(_local(child), child)
    return out


def _value(element, codes: _Codelists, note_missing=False) -> str | None:
    """Plain text as it is; a code (it has a codeSpace) as its code list's label, or None without the list."""
    if element.get("codeSpace"):
        return codes.label(element, note_missing=note_missing)
    return _text(element) or None


def _gml_id(element) -> str:
    return next((v for k, v in element.attrib.items() if k.endswith("}id")), "")
