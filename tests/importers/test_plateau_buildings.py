"""PLATEAU building models: the assumed inundation per building (kind building_hazard), from the eight real
大阪市 tiles (2022, i-UR 3.0 with the 2.0 element names) and from a FY2024-style file (uro:bldg… names)."""

import re

import pytest

from importers.pipeline import run_import
from layers.models import Feature, Layer, Municipality
from tests.conftest import FIXTURES
from tests.factories import make_layer

OSAKA_TILES = FIXTURES / "building_hazards/plateau_27100_osaka_bldg_2022.zip"
NUMAZU_FLOOD = FIXTURES / "hazard_zones/plateau_numazu/52385721_fld_6697_l1_op.gml"

FY2024 = """<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml"
    xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:uro="https://www.geospatial.jp/iur/uro/3.1">
  <gml:boundedBy><gml:Envelope srsName="http://www.opengis.net/def/crs/EPSG/0/6697" srsDimension="3">
    <gml:lowerCorner>34.66 135.50 0</gml:lowerCorner><gml:upperCorner>34.67 135.51 30</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <core:cityObjectMember>
    <bldg:Building gml:id="bldg_2024_a">
      <bldg:storeysAboveGround>4</bldg:storeysAboveGround>
      <bldg:lod0RoofEdge><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
        <gml:posList>34.6650 135.5050 0 34.6650 135.5053 0 34.6653 135.5053 0 34.6653 135.5050 0
          34.6650 135.5050 0</gml:posList>
      </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod0RoofEdge>
      <uro:bldgIDAttribute><uro:BuildingIDAttribute><uro:buildingID>27100-bldg-2024001</uro:buildingID>
      </uro:BuildingIDAttribute></uro:bldgIDAttribute>
      <uro:bldgDisasterRiskAttribute><uro:RiverFloodingRiskAttribute>
        <uro:description codeSpace="../../codelists/RiverFloodingRiskAttribute_description.xml">3</uro:description>
        <uro:rank codeSpace="../../codelists/RiverFloodingRiskAttribute_rank.xml">2</uro:rank>
        <uro:depth uom="m">1.25</uro:depth>
        <uro:scale codeSpace="../../codelists/RiverFloodingRiskAttribute_scale.xml">2</uro:scale>
        <uro:duration uom="hour">12.5</uro:duration>
      </uro:RiverFloodingRiskAttribute></uro:bldgDisasterRiskAttribute>
      <uro:bldgDisasterRiskAttribute><uro:RiverFloodingRiskAttribute>
        <uro:description codeSpace="../../codelists/RiverFloodingRiskAttribute_description.xml">3</uro:description>
        <uro:rank codeSpace="../../codelists/RiverFloodingRiskAttribute_rank.xml">1</uro:rank>
        <uro:depth uom="m">0.4</uro:depth>
        <uro:scale codeSpace="../../codelists/RiverFloodingRiskAttribute_scale.xml">1</uro:scale>
      </uro:RiverFloodingRiskAttribute></uro:bldgDisasterRiskAttribute>
      <uro:bldgDisasterRiskAttribute><uro:TsunamiRiskAttribute>
        <uro:rank codeSpace="../../codelists/TsunamiRiskAttribute_rank.xml">3</uro:rank>
        <uro:depth uom="m">3.4</uro:depth>
      </uro:TsunamiRiskAttribute></uro:bldgDisasterRiskAttribute>
    </bldg:Building>
  </core:cityObjectMember>
  <core:cityObjectMember>
    <bldg:Building gml:id="bldg_2024_dry">
      <bldg:lod0RoofEdge><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
        <gml:posList>34.6660 135.5060 0 34.6660 135.5062 0 34.6662 135.5062 0 34.6662 135.5060 0
          34.6660 135.5060 0</gml:posList>
      </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod0RoofEdge>
    </bldg:Building>
  </core:cityObjectMember>
</core:CityModel>
"""


@pytest.fixture
def osaka(db):
    return Municipality.objects.get(code="27100")


def test_the_eight_real_osaka_tiles_give_one_feature_per_building_at_risk(osaka):
    layer = make_layer("bldg-test", kind="building_hazard")
    result = run_import(OSAKA_TILES, layer=layer, municipality=osaka, mode="replace")
    assert result.run.status == "published", [f.message_en for f in result.findings]
    assert result.summary.new == 816  # 325 + 201 + 219 + 32 + 21 + 6 + 11 + 1 (fixtures/SOURCES.md)
    skipped = [f for f in result.findings if f.code == "buildings_without_risk"]
    assert len(skipped) == 1 and skipped[0].severity == "warning" and skipped[0].value == "1"
    features = Feature.objects.filter(layer=layer)
    assert {f.geom.geom_type for f in features} <= {"Polygon", "MultiPolygon"}
    one = features.get(source_id="27100-bldg-555091")  # 西淀川区: all three hazards
    p = one.properties
    assert (p["flood_depth_m"], p["flood_planned_depth_m"], p["storm_surge_depth_m"], p["tsunami_depth_m"]) == (
        2.169, 0.599, 5.675, 2.02,
    )  # fmt: skip
    assert p["deepest_m"] == 5.675 and p["deepest_rank"] == 4 and p["flood_duration_h"] == 132.767
    assert one.address == "西淀川区竹島４丁目" and one.ward.name_ja == "西淀川区"
    hazards = {h for f in features for h in ("flood", "storm_surge", "tsunami") if f"{h}_depth_m" in f.properties}
    assert hazards == {"flood", "storm_surge", "tsunami"}
    assert all(f.properties["deepest_m"] >= 0 for f in features)


def test_a_fy2024_file_with_the_new_element_names(osaka, tmp_path):
    path = tmp_path / "53393680_bldg_6697_op.gml"
    path.write_text(FY2024, encoding="utf-8")
    layer = make_layer("bldg-2024", kind="building_hazard")
    result = run_import(path, layer=layer, municipality=osaka, mode="replace")
    assert result.run.status == "published", [f.message_en for f in result.findings]
    (feature,) = Feature.objects.filter(layer=layer)
    p = feature.properties
    assert feature.source_id == p["building_id"] == "27100-bldg-2024001"
    assert (p["flood_depth_m"], p["flood_rank"], p["flood_planned_depth_m"], p["flood_planned_rank"]) == (
        1.25,
        2,
        0.4,
        1,
    )
    assert (p["tsunami_depth_m"], p["tsunami_rank"], p["deepest_m"], p["deepest_rank"], p["storeys"]) == (
        3.4,
        3,
        3.4,
        3,
        4,
    )
    assert p["flood_duration_h"] == 12.5 and p["flood_rivers"] == ["3"]
    assert feature.geom.extent[0] == pytest.approx(135.5050) and feature.geom.extent[1] == pytest.approx(34.6650)


def test_the_building_file_is_refused_by_the_hazard_zone_layer_and_the_reverse(osaka, tmp_path):
    zones = Layer.objects.get(slug="hazard-zones")
    refused = run_import(OSAKA_TILES, layer=zones, municipality=osaka, mode="dry_run")
    assert refused.run.status == "refused"
    assert refused.findings[0].code == "wrong_layer_for_file" and "Assumed inundation per building" in (
        refused.findings[0].message_en
    )
    buildings = make_layer("bldg-refuse", kind="building_hazard")
    refused = run_import(NUMAZU_FLOOD, layer=buildings, municipality=osaka, mode="dry_run")
    assert refused.run.status == "refused" and refused.findings[0].code == "wrong_file_for_layer"
    assert not Feature.objects.filter(layer__in=[buildings]).exists()


def test_buildings_without_any_risk_are_refused_with_the_count(osaka, tmp_path):
    at_risk = re.compile(
        r"<core:cityObjectMember>\s*<bldg:Building gml:id=\"bldg_2024_a\">.*?</core:cityObjectMember>", re.S
    )
    path = tmp_path / "dry_bldg.gml"
    path.write_text(at_risk.sub("", FY2024), encoding="utf-8")
    result = run_import(path, layer=make_layer("bldg-dry", kind="building_hazard"), municipality=osaka, mode="dry_run")
    assert result.run.status == "refused"
    assert result.findings[0].code == "no_building_risk" and "none of its 1 buildings" in result.findings[0].message_en
