"""CSV uploads: encodings, the GSI and standard layouts, and row-level findings."""

import pytest

from importers.pipeline import run_import
from importers.upload import ImportOptions
from layers.models import Feature, Municipality
from tests.factories import SUITA, SUITA_POINT, make_layer, write_csv

GSI_EMERGENCY_HEADER = [
    "NO", "共通ID", "施設・場所名", "住所", "洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波",
    "大規模な火事", "内水氾濫", "火山現象", "指定避難所との住所同一", "緯度", "経度", "備考",
]  # fmt: skip


def gsi_row(no, common_id, name, lon=SUITA_POINT[0], lat=SUITA_POINT[1], flood="1", quake="1", remarks=""):
    return [no, common_id, name, "大阪府吹田市泉町1-3-40", flood, "", "", quake, "", "", "", "", "", lat, lon, remarks]


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def test_cp932_csv_without_bom_is_detected_and_published(db, tmp_path, suita):
    layer = make_layer()
    path = write_csv(
        tmp_path / "27205_2.csv",
        GSI_EMERGENCY_HEADER,
        [gsi_row(1, "E2720500001201", "吹田市役所"), gsi_row(2, "E2720500002201", "千里ニュータウン広場", flood="")],
        encoding="cp932",
    )
    result = run_import(path, layer=layer, municipality=suita, mode="replace")
    assert result.run.encoding == "cp932"
    assert result.published, [str(f) for f in result.findings]
    feature = Feature.objects.get(layer=layer, source_id="E2720500001201")
    assert feature.name == "吹田市役所"
    assert feature.properties["designation"] == "emergency_site"
    assert feature.properties["disasters"] == ["flood", "earthquake"]
    assert Feature.objects.get(layer=layer, source_id="E2720500002201").properties["disasters"] == ["earthquake"]


def test_utf8_with_bom_and_quoted_newlines(db, tmp_path, suita):
    layer = make_layer()
    path = write_csv(
        tmp_path / "bom.csv",
        GSI_EMERGENCY_HEADER,
        [gsi_row(1, "E2720500001201", "吹田市\n第一広場")],
        encoding="utf-8-sig",
        newline="\n",
    )
    result = run_import(path, layer=layer, municipality=suita, mode="replace")
    assert result.run.encoding == "utf-8-sig"
    assert result.published
    assert Feature.objects.get(layer=layer).name == "吹田市\n第一広場"


def test_encoding_override_is_honoured(db, tmp_path, suita):
    layer = make_layer()
    path = write_csv(tmp_path / "x.csv", GSI_EMERGENCY_HEADER, [gsi_row(1, "E2720500001201", "吹田")], "cp932")
    result = run_import(path, layer=layer, municipality=suita, mode="dry_run", options=ImportOptions(encoding="utf-8"))
    assert not result.published
    assert [f.code for f in result.errors] == ["decode_error"]
    assert "utf-8" in result.errors[0].message_en


def test_each_bad_row_is_reported_with_row_field_and_value(db, tmp_path, suita):
    layer = make_layer()
    rows = [
        gsi_row(1, "E2720500001201", "良い行"),
        gsi_row(2, "E2720500002201", "緯度経度が逆", lon=SUITA_POINT[1], lat=SUITA_POINT[0]),
        gsi_row(3, "E2720500003201", "海の向こう", lon=129.9, lat=SUITA_POINT[1] + 50),
        gsi_row(4, "E2720500001201", "IDが重複"),
        gsi_row(5, "E2720500005201", ""),
        gsi_row(6, "E2720500006201", "旗が変", flood="2"),
        gsi_row(7, "E2720500007201", "座標が文字", lat="北緯34度"),
        gsi_row(8, "E2720500008201", "NaN", lat="NaN"),
    ]
    path = write_csv(tmp_path / "bad.csv", GSI_EMERGENCY_HEADER, rows)
    before = Feature.objects.count()
    result = run_import(path, layer=layer, municipality=suita, mode="replace")

    assert not result.published
    assert Feature.objects.count() == before, "nothing may be published when any row has an error"
    by_row = {f.row: f for f in result.errors}
    assert by_row[2].code == "swapped_coordinates"
    assert by_row[3].code == "outside_japan"
    assert by_row[4].code == "duplicate_id" and by_row[4].value == "E2720500001201" and "row 1" in by_row[4].message_en
    assert by_row[5].code == "required" and by_row[5].field == "施設・場所名"
    assert by_row[7].code == "invalid_coordinates" and "北緯34度" in by_row[7].message_en
    assert by_row[8].code in ("invalid_coordinates", "non_finite_coordinates")
    assert 1 not in by_row
    assert all(f.message_ja and f.message_en for f in result.errors)
    assert result.run.status == "refused"
    assert result.run.counts["errors"] == len(result.errors)


def test_capacity_as_text_is_an_error_naming_the_column(db, tmp_path, suita):
    layer = make_layer()
    header = ["ID", "名称", "所在地_連結表記", "緯度", "経度", "災害種別_洪水", "想定収容人数"]
    rows = [
        ["1", "吹田第一小学校", "吹田市", SUITA_POINT[1], SUITA_POINT[0], "1", "1,200 "],
        ["2", "吹田第二小学校", "吹田市", SUITA_POINT[1], SUITA_POINT[0], "1", "約300人"],
    ]
    result = run_import(write_csv(tmp_path / "std.csv", header, rows), layer=layer, municipality=suita, mode="dry_run")
    (error,) = result.errors
    assert (error.row, error.field, error.code) == (2, "想定収容人数", "invalid_value")
    assert "約300人" in error.message_en


def test_far_outside_the_municipality_is_an_error_nearby_a_warning(db, tmp_path, suita):
    layer = make_layer()
    rows = [
        gsi_row(1, "E2720500001201", "豊中市内（隣接）", lon=135.4700, lat=34.7810),
        gsi_row(2, "E2720500002201", "岸和田市内（遠方）", lon=135.3717, lat=34.4606),
    ]
    result = run_import(write_csv(tmp_path / "o.csv", GSI_EMERGENCY_HEADER, rows), layer=layer, municipality=suita,
                        mode="dry_run")  # fmt: skip
    findings = {f.row: f for f in result.findings if f.code == "outside_municipality"}
    assert findings[1].severity == "warning"
    assert findings[2].severity == "error"


def test_title_row_above_the_header_is_skipped(db, tmp_path, suita):
    layer = make_layer()
    path = tmp_path / "titled.csv"
    body = "吹田市 避難場所一覧（令和6年4月1日現在）,,,,\n" + "\n".join(
        [",".join(["ID", "名称", "住所", "緯度", "経度"]), f"1,吹田公園,吹田市,{SUITA_POINT[1]},{SUITA_POINT[0]}"]
    )
    path.write_text(body, encoding="utf-8")
    result = run_import(path, layer=layer, municipality=suita, mode="dry_run")
    assert "title_rows_skipped" in [f.code for f in result.findings]
    # Designation is required for shelters and this file does not say it: the row, and once for the file.
    assert [f.code for f in result.errors] == ["field_missing_everywhere", "required"]


def test_missing_coordinate_columns_refuse_the_file_with_its_name(db, tmp_path, suita):
    layer = make_layer()
    path = write_csv(tmp_path / "nocoords.csv", ["名称", "住所"], [["a", "b"]])
    result = run_import(path, layer=layer, municipality=suita, mode="dry_run")
    (error,) = result.errors
    assert error.code == "coordinate_columns_missing"
    assert "nocoords.csv" in error.message_en


def test_plane_rectangular_coordinates_with_a_zone(db, tmp_path, suita):
    """Zone VI metres (EPSG:6674), columns named X/Y in GIS order: easting, northing."""
    from pyproj import Transformer

    to_plane = Transformer.from_crs(4326, 6674, always_xy=True)
    easting, northing = to_plane.transform(*SUITA_POINT)
    layer = make_layer()
    header = ["ID", "名称", "X", "Y", "災害種別_地震"]
    path = write_csv(tmp_path / "plane.csv", header, [["1", "吹田市役所", f"{easting:.3f}", f"{northing:.3f}", "1"]])
    result = run_import(path, layer=layer, municipality=suita, options=ImportOptions(srs="EPSG:6674"))
    assert result.published, [str(f) for f in result.findings]
    geom = Feature.objects.get(layer=layer).geom
    assert (geom.x, geom.y) == pytest.approx(SUITA_POINT, abs=1e-6)


def test_plane_coordinates_in_survey_order_are_reported_as_swapped(db, tmp_path, suita):
    from pyproj import Transformer

    easting, northing = Transformer.from_crs(4326, 2448, always_xy=True).transform(*SUITA_POINT)
    header = ["ID", "名称", "X", "Y", "災害種別_地震"]
    # Surveyors' order: X = northing, Y = easting.
    path = write_csv(tmp_path / "survey.csv", header, [["1", "吹田市役所", f"{northing:.3f}", f"{easting:.3f}", "1"]])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run",
                        options=ImportOptions(srs="2448"))  # fmt: skip
    assert [f.code for f in result.errors] == ["swapped_xy"]


def test_plane_coordinates_without_a_declared_crs_are_assumed_zone_vi_and_said_so(db, tmp_path, suita):
    from pyproj import Transformer

    easting, northing = Transformer.from_crs(4326, 6674, always_xy=True).transform(*SUITA_POINT)
    header = ["ID", "名称", "X", "Y", "災害種別_地震"]
    path = write_csv(tmp_path / "p.csv", header, [["1", "吹田市役所", f"{easting:.3f}", f"{northing:.3f}", "1"]])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assumed = next(f for f in result.findings if f.code == "crs_assumed")
    assert assumed.value == "EPSG:6674" and assumed.severity == "warning"
    assert not result.errors


@pytest.mark.parametrize(
    "code,expected",
    [
        ("272051", []),
        ("27205", []),
        ("270008", []),  # 大阪府 itself: the publisher of the file, not a place
        ("272059", [("invalid_municipality_code", "error")]),
        # 宇都宮市 092011 read as a number: said so, and it is not a municipality of Osaka Prefecture
        ("92011", [("code_lost_leading_zero", "warning"), ("municipality_code_outside_prefecture", "error")]),
        ("271004", [("other_municipality_code", "error")]),  # 大阪市's row in 吹田市's file
        ("吹田", [("invalid_municipality_code", "error")]),
    ],
)
def test_municipality_code_column_is_checked(db, tmp_path, suita, code, expected):
    header = ["全国地方公共団体コード", "ID", "名称", "緯度", "経度", "災害種別_地震"]
    path = write_csv(tmp_path / "c.csv", header, [[code, "1", "吹田市役所", SUITA_POINT[1], SUITA_POINT[0], "1"]])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    found = [(f.code, f.severity) for f in result.findings if "code" in f.code and f.field == "全国地方公共団体コード"]
    assert found == expected


def test_unreadable_csv_and_nul_characters_are_findings_not_crashes(db, tmp_path, suita):
    layer = make_layer()
    huge = tmp_path / "huge.csv"
    huge.write_text("ID,名称,緯度,経度\n1," + "x" * 200_000 + ",34.7,135.5\n", encoding="utf-8")
    result = run_import(huge, layer=layer, municipality=suita, mode="dry_run")
    assert [(f.code, f.row) for f in result.errors] == [("csv_unreadable", 2)]

    nul = write_csv(tmp_path / "nul.csv", GSI_EMERGENCY_HEADER, [gsi_row(1, "E2720500001201", "吹田\x00市役所")])
    result = run_import(nul, layer=layer, municipality=suita, mode="dry_run")
    assert [(f.code, f.row, f.field) for f in result.errors] == [("nul_character", 1, "施設・場所名")]
