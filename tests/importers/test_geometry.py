"""Geometry findings: repaired self-intersections, empty and wrong-type geometries, and the limits."""

from importers.pipeline import run_import
from layers.models import Feature
from tests.factories import SUITA_POINT, make_layer, point_feature, write_geojson

# A small square inside 大阪市北区, drawn as a bow-tie (self-intersecting) and as a proper ring.
X0, Y0, D = 135.490, 34.700, 0.003
BOWTIE = [[[X0, Y0], [X0 + D, Y0 + D], [X0 + D, Y0], [X0, Y0 + D], [X0, Y0]]]
SQUARE = [[[X0, Y0], [X0 + D, Y0], [X0 + D, Y0 + D], [X0, Y0 + D], [X0, Y0]]]


def zone(coordinates, geometry_type="Polygon", **properties):
    return {
        "type": "Feature",
        "geometry": {"type": geometry_type, "coordinates": coordinates},
        "properties": {"hazard_type": "flood", "depth_rank": 2, **properties},
    }


def test_self_intersecting_polygon_is_repaired_with_a_warning(db, tmp_path):
    layer = make_layer(slug="t-geom", kind="hazard_zone")
    result = run_import(write_geojson(tmp_path / "z.geojson", [zone(BOWTIE, id="a")]), layer=layer, municipality=None)
    assert result.published
    (finding,) = [f for f in result.findings if f.code == "geometry_repaired"]
    assert finding.severity == "warning" and finding.row == 1 and "Self-intersection" in finding.message_en
    feature = Feature.objects.get(layer=layer)
    assert feature.geom.valid and feature.geom.geom_type == "MultiPolygon"
    assert feature.geom.area > 0


def test_a_polygon_that_collapses_to_a_line_is_an_error(db, tmp_path):
    flat = [[[X0, Y0], [X0 + D, Y0], [X0 + 2 * D, Y0], [X0, Y0]]]
    result = run_import(
        write_geojson(tmp_path / "z.geojson", [zone(flat, id="a")]),
        layer=make_layer(slug="t-geom2", kind="hazard_zone"),
        municipality=None,
        mode="dry_run",
    )
    assert [(f.code, f.row, f.field) for f in result.errors] == [("invalid_geometry", 1, "geometry")]


def test_empty_and_missing_geometries_are_errors(db, tmp_path):
    features = [zone([], id="empty"), {"type": "Feature", "geometry": None, "properties": {"hazard_type": "flood"}}]
    result = run_import(
        write_geojson(tmp_path / "z.geojson", features),
        layer=make_layer(slug="t-geom3", kind="hazard_zone"),
        municipality=None,
        mode="dry_run",
    )
    # GDAL reads an empty coordinate list as no geometry at all; either way the row is named.
    assert sorted(f.row for f in result.errors) == [1, 2]
    assert {f.code for f in result.errors} <= {"empty_geometry", "missing_geometry"}
    assert all(f.field == "geometry" for f in result.errors)


def test_a_point_in_a_polygon_layer_is_the_wrong_type(db, tmp_path):
    result = run_import(
        write_geojson(tmp_path / "z.geojson", [point_feature(*SUITA_POINT, hazard_type="flood")]),
        layer=make_layer(slug="t-geom4", kind="hazard_zone"),
        municipality=None,
        mode="dry_run",
    )
    (error,) = result.errors
    assert error.code == "wrong_geometry_type" and "Polygon" in error.message_en and "Point" in error.message_en


def test_vertex_and_feature_limits(db, tmp_path, settings):
    layer = make_layer(slug="t-geom5", kind="hazard_zone")
    path = write_geojson(tmp_path / "z.geojson", [zone(SQUARE, id="a"), zone(SQUARE, id="b"), zone(SQUARE, id="c")])
    settings.MAX_VERTICES_PER_FEATURE = 4
    result = run_import(path, layer=layer, municipality=None, mode="dry_run")
    assert {f.code for f in result.errors} == {"too_many_vertices"} and len(result.errors) == 3
    settings.MAX_VERTICES_PER_FEATURE = 1000
    settings.MAX_FEATURES_PER_IMPORT = 2
    result = run_import(path, layer=layer, municipality=None, mode="dry_run")
    assert [f.code for f in result.errors] == ["too_many_features"]
    assert "2" in result.errors[0].message_en
