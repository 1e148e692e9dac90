"""PLATEAU CityGML hazard files: the real 沼津市 tiles, synthetic Osaka files, and hostile XML."""

import os
import time
from collections import Counter

import pytest
import shapely

from importers.pipeline import run_import
from importers.readers import plateau, reader_for
from importers.report import ImportRefused
from importers.upload import UploadWorkspace
from layers.models import Feature
from tests.conftest import FIXTURES
from tests.factories import make_layer, zip_files

NUMAZU = FIXTURES / "hazard_zones/plateau_numazu"
LSLD = NUMAZU / "523857_lsld_6668_op.gml"
FLD = NUMAZU / "52385721_fld_6697_l1_op.gml"
TNM = NUMAZU / "523855_tnm_6697_op.gml"

URO_31 = "https://www.geospatial.jp/iur/uro/3.1"
SRS_6697 = "http://www.opengis.net/def/crs/EPSG/0/6697"


def read_rows(path, name=None):
    with UploadWorkspace(path, name) as upload:
        assert reader_for(upload) is plateau
        table = plateau.read(upload)
        return table, list(table.rows)


def refusal(path):
    with pytest.raises(ImportRefused) as caught, UploadWorkspace(path) as upload:
        list(plateau.read(upload).rows)
    return caught.value.findings[0]


# --- small CityGML writer for synthetic files (coordinates given lon/lat, written lat/lon as PLATEAU does)


def pos_list(ring, height=2.5):
    return " ".join(f"{lat} {lon} {height}" for lon, lat in ring)


def square(lon, lat, half):
    return [
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ]


def polygon(exterior, *holes):
    interiors = "".join(
        f"<gml:interior><gml:LinearRing><gml:posList>{pos_list(h)}</gml:posList></gml:LinearRing></gml:interior>"
        for h in holes
    )
    return (
        "<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>"
        f"<gml:posList>{pos_list(exterior)}</gml:posList></gml:LinearRing></gml:exterior>{interiors}"
        "</gml:Polygon></gml:surfaceMember>"
    )


def patch_with_pos(ring):
    """A gml:Surface patch written with one gml:pos per vertex."""
    positions = "".join(f"<gml:pos>{lat} {lon} 2.5</gml:pos>" for lon, lat in ring)
    return (
        "<gml:surfaceMember><gml:Surface><gml:patches><gml:PolygonPatch><gml:exterior>"
        f"<gml:LinearRing>{positions}</gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches>"
        "</gml:Surface></gml:surfaceMember>"
    )


def water_body(gml_id, risk, rank, surfaces, name="", rank_tag="rank"):
    geometry = f"<wtr:lod1MultiSurface><gml:MultiSurface>{surfaces}</gml:MultiSurface></wtr:lod1MultiSurface>"
    risk_xml = (
        f"<uro:floodingRiskAttribute><uro:{risk}><uro:description>テスト（合成データ）</uro:description>"
        f"<uro:{rank_tag}>{rank}</uro:{rank_tag}></uro:{risk}></uro:floodingRiskAttribute>"
    )
    name_xml = f"<gml:name>{name}</gml:name>" if name else ""
    return (
        f'<core:cityObjectMember><wtr:WaterBody gml:id="{gml_id}">{name_xml}{geometry}{risk_xml}'
        "</wtr:WaterBody></core:cityObjectMember>"
    )


def city_model(members, uro=URO_31, srs_name=SRS_6697, prolog=""):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}\n'
        '<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml" '
        f'xmlns:wtr="http://www.opengis.net/citygml/waterbody/2.0" xmlns:uro="{uro}">\n'
        f'<gml:boundedBy><gml:Envelope srsName="{srs_name}" srsDimension="3">'
        "<gml:lowerCorner>34.6 135.4 0</gml:lowerCorner><gml:upperCorner>34.8 135.6 10</gml:upperCorner>"
        "</gml:Envelope></gml:boundedBy>\n" + "\n".join(members) + "\n</core:CityModel>\n"
    )


# --- the real 沼津市 tiles (PLATEAU 2021, i-UR 2.0)


def test_numazu_sediment_disaster_areas_have_zone_class_and_phenomenon():
    table, rows = read_rows(LSLD)
    assert table.format == "plateau"
    assert len(rows) == 81
    assert [r.number for r in rows] == list(range(1, 82))
    assert {r.attributes["hazard_type"] for r in rows} == {"landslide"}
    assert Counter(r.attributes["zone_class"] for r in rows) == {"warning": 39, "special_warning": 42}
    assert Counter(r.attributes["phenomenon"] for r in rows) == {"steep_slope": 75, "debris_flow": 6}
    first = rows[0].attributes
    assert first["id"] == "lsld_d5e0f93f-30ba-47ca-8819-54370ee41bfa"
    assert first["name"] == "八重団地"  # urf:zoneName
    assert first["address"] == "沼津市下香貫八重"
    assert all(r.geometry.geom_type == "Polygon" and r.geometry_problem is None for r in rows)


def test_latitude_first_coordinates_come_out_as_lon_lat_without_heights():
    """srsName EPSG:6697 (on the Envelope only) is latitude, longitude, height: x must be the longitude."""
    table, rows = read_rows(LSLD)
    assert table.crs.to_epsg() == 6668
    minx, miny, maxx, maxy = shapely.bounds(shapely.union_all([r.geometry for r in rows]))
    # The extent GDAL reported for the same file (its .gfs): lon 138.87435–138.88919, lat 35.08239–35.13933.
    assert (minx, maxx) == pytest.approx((138.87435, 138.88919), abs=1e-5)
    assert (miny, maxy) == pytest.approx((35.08239, 35.13933), abs=1e-5)
    assert not any(r.geometry.has_z for r in rows)


def test_numazu_river_flood_water_bodies_have_depth_ranks():
    table, rows = read_rows(FLD)
    assert len(rows) == 3
    assert {r.attributes["hazard_type"] for r in rows} == {"flood"}
    assert [r.attributes["depth_rank"] for r in rows] == [1, 2, 1]
    assert {r.attributes["scale"] for r in rows} == {"L1"}
    # uro:description is a code (3); the tile ships without its code list, so the river name is not guessed.
    assert {r.attributes["description_code"] for r in rows} == {"3"}
    assert all(r.attributes.get("river") is None for r in rows)
    notes = {n.code: n for n in table.notes}
    assert "WaterBodyRiverFloodingRiskAttribute_description.xml" in notes["codelist_missing"].message_en
    assert notes["depth_rank_from_rank_org"].severity == "warning"
    # 142 triangles of the mesh become 3 areas; the union keeps the triangles' total area.
    assert all(r.geometry.is_valid for r in rows)
    assert all(138.88 < r.geometry.centroid.x < 138.89 and 35.10 < r.geometry.centroid.y < 35.11 for r in rows)


def test_numazu_tsunami_water_bodies_have_ranks():
    _table, rows = read_rows(TNM)
    assert len(rows) == 3
    assert {r.attributes["hazard_type"] for r in rows} == {"tsunami"}
    assert all(isinstance(r.attributes["depth_rank"], int) for r in rows)
    assert all("river" not in r.attributes for r in rows)
    assert all(138.74 < r.geometry.centroid.x < 138.76 and 35.13 < r.geometry.centroid.y < 35.14 for r in rows)


def test_zip_of_several_tiles_is_read_whole_with_continuous_numbers(tmp_path):
    archive = zip_files(
        tmp_path / "numazu_hazards.zip",
        {f"udx/{p.name.split('_')[1]}/{p.name}": p for p in (LSLD, FLD, TNM)},
    )
    table, rows = read_rows(archive)
    assert [r.number for r in rows] == list(range(1, 88))
    assert Counter(r.attributes["hazard_type"] for r in rows) == {"landslide": 81, "flood": 3, "tsunami": 3}
    assert table.crs.to_epsg() == 6668


def test_code_lists_in_the_zip_name_the_river(tmp_path):
    def dictionary(name, entries):
        definitions = "".join(
            f'<gml:dictionaryEntry><gml:Definition gml:id="{name}_{code}"><gml:description>{label}</gml:description>'
            f"<gml:name>{code}</gml:name></gml:Definition></gml:dictionaryEntry>"
            for code, label in entries.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><gml:Dictionary xmlns:gml="http://www.opengis.net/gml" '
            f'gml:id="{name}"><gml:name>{name}</gml:name>{definitions}</gml:Dictionary>'
        ).encode()

    archive = zip_files(
        tmp_path / "fld_with_codelists.zip",
        {
            f"udx/fld/natl/kanogawa/{FLD.name}": FLD,
            # Synthetic code lists in PLATEAU's gml:Dictionary layout; the labels are made up.
            "codelists/WaterBodyRiverFloodingRiskAttribute_description.xml": dictionary(
                "WaterBodyRiverFloodingRiskAttribute_description", {"3": "合成水系テスト川"}
            ),
            "codelists/WaterBodyRiverFloodingRiskAttribute_rankOrg.xml": dictionary(
                "WaterBodyRiverFloodingRiskAttribute_rankOrg", {"1": "0.5m未満", "2": "0.5m以上3m未満"}
            ),
        },
    )
    table, rows = read_rows(archive)
    assert {r.attributes["river"] for r in rows} == {"合成水系テスト川"}
    assert [r.attributes["rank_org_label"] for r in rows] == ["0.5m未満", "0.5m以上3m未満", "0.5m未満"]
    missing = next(n for n in table.notes if n.code == "codelist_missing")
    assert "WaterBody_name.xml" in missing.message_en  # gml:name is coded too, and its list is not here
    assert "description" not in missing.message_en


def test_numazu_through_the_pipeline_is_read_and_refused_only_for_its_location(db):
    layer = make_layer(slug="t-plateau-numazu", kind="hazard_zone", category="hazard")
    result = run_import(LSLD, layer=layer, municipality=None, mode="dry_run")
    assert result.run.file_format == "plateau"
    assert result.run.source_srs == "EPSG:6668"
    assert result.rows == 81
    assert result.accepted == 0
    assert {f.code for f in result.errors} == {"outside_prefecture"}
    assert len(result.errors) == 81


# --- synthetic files: Osaka, other i-UR versions, other srsName spellings


def osaka_inland_flood():
    """Two 内水 areas in 大阪市: one with a hole (posList, 3-D), one of two gml:Surface patches (gml:pos)."""
    outer = square(135.500, 34.690, 0.002)
    hole = square(135.500, 34.690, 0.0005)
    patches = patch_with_pos(square(135.506, 34.686, 0.001)) + patch_with_pos(square(135.510, 34.686, 0.001))
    return city_model(
        [
            water_body("ifld_osaka_1", "InlandFloodingRiskAttribute", 2, polygon(outer, hole), name="合成内水1"),
            water_body("ifld_osaka_2", "InlandFloodingRiskAttribute", 3, patches, name="合成内水2"),
        ]
    )


def test_synthetic_inland_flood_in_osaka_is_published(db, tmp_path):
    path = tmp_path / "51357451_ifld_6697_op.gml"
    path.write_text(osaka_inland_flood(), encoding="utf-8")
    layer = make_layer(slug="t-plateau-ifld", kind="hazard_zone", category="hazard")
    result = run_import(path, layer=layer, municipality=None, mode="replace")
    assert result.published, [str(f) for f in result.findings]
    assert result.run.file_format == "plateau"
    features = {f.source_id: f for f in Feature.objects.filter(layer=layer)}
    assert set(features) == {"ifld_osaka_1", "ifld_osaka_2"}
    holed, patched = features["ifld_osaka_1"], features["ifld_osaka_2"]
    assert holed.properties["hazard_type"] == "inland_flood"
    assert holed.properties["depth_rank"] == 2
    assert patched.properties["depth_rank"] == 3
    assert holed.name == "合成内水1"
    assert holed.municipality.code.startswith("271")  # 大阪市
    assert holed.geom.centroid.x == pytest.approx(135.500, abs=1e-4)
    assert holed.geom.centroid.y == pytest.approx(34.690, abs=1e-4)
    polygon_with_hole = holed.geom if holed.geom.geom_type == "Polygon" else holed.geom[0]
    assert len(polygon_with_hole) == 2  # exterior and interior ring
    assert patched.geom.geom_type == "MultiPolygon" and len(patched.geom) == 2


@pytest.mark.parametrize(
    "uro, risk",
    [
        (
            "http://www.kantei.go.jp/jp/singi/tiiki/toshisaisei/itoshisaisei/iur/uro/1.4",
            "WaterBodyHighTideRiskAttribute",
        ),
        ("https://www.geospatial.jp/iur/uro/2.0", "WaterBodyHighTideRiskAttribute"),
        ("https://www.geospatial.jp/iur/uro/3.0", "HighTideRiskAttribute"),
        (URO_31, "HighTideRiskAttribute"),
    ],
)
def test_any_iur_version_is_read_and_the_element_decides_the_hazard(tmp_path, uro, risk):
    # The file name says flood (fld); the risk attribute says storm surge, and wins.
    path = tmp_path / "51357451_fld_6697_op.gml"
    body = water_body("htd_1", risk, 4, polygon(square(135.45, 34.62, 0.001)))
    path.write_text(city_model([body], uro=uro), encoding="utf-8")
    assert plateau.is_plateau(path)
    _table, rows = read_rows(path)
    assert rows[0].attributes["hazard_type"] == "storm_surge"
    assert rows[0].attributes["depth_rank"] == 4


def test_a_lookalike_namespace_is_not_plateau(tmp_path):
    path = tmp_path / "fake_fld.gml"
    body = water_body("x", "RiverFloodingRiskAttribute", 1, polygon(square(135.45, 34.62, 0.001)))
    path.write_text(city_model([body], uro="https://example.org/uro/3.1"), encoding="utf-8")
    assert not plateau.is_plateau(path)
    assert refusal(path).code == "not_plateau"


@pytest.mark.parametrize(
    "srs_name",
    [
        "http://www.opengis.net/def/crs/EPSG/0/6697",
        "urn:ogc:def:crs:EPSG::6697",
        "EPSG:6697",
        "urn:ogc:def:crs,crs:EPSG::6668,crs:EPSG::6695",
    ],
)
def test_srs_name_spellings_are_understood(tmp_path, srs_name):
    path = tmp_path / "x_htd_6697_op.gml"
    body = water_body("htd_1", "HighTideRiskAttribute", 1, polygon(square(135.45, 34.62, 0.001)))
    path.write_text(city_model([body], srs_name=srs_name), encoding="utf-8")
    table, rows = read_rows(path)
    assert table.crs.to_epsg() == 6668
    assert rows[0].geometry.centroid.x == pytest.approx(135.45)
    assert rows[0].geometry.centroid.y == pytest.approx(34.62)


def test_a_hazard_object_without_geometry_is_a_row_with_a_geometry_problem(tmp_path):
    path = tmp_path / "x_tnm_6697_op.gml"
    members = [
        water_body("tnm_ok", "TsunamiRiskAttribute", 2, polygon(square(135.45, 34.62, 0.001))),
        water_body("tnm_empty", "TsunamiRiskAttribute", 2, ""),
    ]
    path.write_text(city_model(members), encoding="utf-8")
    _table, rows = read_rows(path)
    assert rows[0].geometry_problem is None
    assert rows[1].geometry is None
    assert rows[1].geometry_problem[0] == "missing_geometry"


def test_a_gml_that_is_not_plateau_is_refused_not_passed_to_gdal(tmp_path):
    path = tmp_path / "other.gml"
    path.write_text(
        '<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml"/>', encoding="utf-8"
    )
    assert refusal(path).code == "not_plateau"


# --- hostile and broken XML


def test_doctype_with_an_external_entity_is_refused_and_reads_no_local_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE", encoding="utf-8")
    prolog = f'<!DOCTYPE core:CityModel [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    body = water_body("fld_1", "RiverFloodingRiskAttribute", 1, polygon(square(135.5, 34.69, 0.001)), name="&xxe;")
    path = tmp_path / "xxe_fld_6697_op.gml"
    path.write_text(city_model([body], prolog=prolog), encoding="utf-8")

    # Reading a file moves its access time (relatime: when the old one is over a day old); check that here first.
    long_ago = time.time() - 3 * 86400
    os.utime(secret, (long_ago, long_ago))
    secret.read_bytes()
    atime_observable = secret.stat().st_atime != long_ago
    os.utime(secret, (long_ago, long_ago))

    finding = refusal(path)
    assert finding.code == "xml_doctype_refused"
    assert path.name in finding.message_en
    assert "TOP-SECRET" not in str(finding)
    if atime_observable:
        assert secret.stat().st_atime == long_ago


def test_billion_laughs_is_refused_at_once(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    body = water_body("fld_1", "RiverFloodingRiskAttribute", 1, polygon(square(135.5, 34.69, 0.001)), name="&lol9;")
    path = tmp_path / "laughs_fld_6697_op.gml"
    path.write_text(city_model([body], prolog=f"<!DOCTYPE core:CityModel [{entities}]>"), encoding="utf-8")
    started = time.monotonic()
    assert refusal(path).code == "xml_doctype_refused"
    assert time.monotonic() - started < 2


def test_malformed_xml_is_reported_with_the_file_and_line(tmp_path):
    path = tmp_path / "523855_tnm_6697_op.gml"
    path.write_bytes(TNM.read_bytes()[:6000])  # cut off in the middle of the tile
    finding = refusal(path)
    assert finding.code == "invalid_xml"
    assert path.name in finding.message_en and path.name in finding.message_ja
    assert "line " in finding.message_en


def test_malformed_xml_inside_a_zip_names_the_member(tmp_path):
    archive = zip_files(
        tmp_path / "tiles.zip",
        {f"udx/lsld/{LSLD.name}": LSLD, f"udx/tnm/{TNM.name}": TNM.read_bytes()[:6000]},
    )
    finding = refusal(archive)
    assert finding.code == "invalid_xml"
    assert f"udx/tnm/{TNM.name}" in finding.message_en
