"""Publishing: replace and upsert, the diff summary, one version per publish, and nothing partial."""

import pytest
from django.db import connection

from importers.pipeline import run_import
from layers.models import Feature, Layer, Municipality
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson


def shelter(source_id, name, lon=SUITA_POINT[0], lat=SUITA_POINT[1], **extra):
    return point_feature(lon, lat, 共通ID=source_id, **{"施設・場所名": name, "洪水": "1", **extra})


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def test_replace_then_upsert_summaries_and_versions(db, tmp_path, suita):
    layer = make_layer()
    assert layer.version == 1
    first = write_geojson(tmp_path / "a.geojson", [shelter("E2720500001201", "A"), shelter("E2720500002201", "B")])
    result = run_import(first, layer=layer, municipality=suita, mode="replace")
    assert result.summary.as_dict() == {"new": 2, "changed": 0, "unchanged": 0, "removed": 0}
    assert result.run.published_version == 2

    second = write_geojson(
        tmp_path / "b.geojson", [shelter("E2720500001201", "A（改称）"), shelter("E2720500003201", "C")]
    )
    dry = run_import(second, layer=layer, municipality=suita, mode="dry_run")
    assert dry.summary.as_dict() == {"new": 1, "changed": 1, "unchanged": 0, "removed": 1}
    layer.refresh_from_db()
    assert layer.version == 2, "a dry run publishes nothing"

    upsert = run_import(second, layer=layer, municipality=suita, mode="upsert")
    # Shelters are published a municipality's facilities at a time (importers/facilities.py): B is unchanged.
    assert upsert.summary.as_dict() == {"new": 1, "changed": 1, "unchanged": 1, "removed": 0}
    assert sorted(Feature.objects.filter(layer=layer).values_list("name", flat=True)) == ["A（改称）", "B", "C"]

    replace = run_import(second, layer=layer, municipality=suita, mode="replace")
    assert replace.summary.as_dict() == {"new": 0, "changed": 0, "unchanged": 2, "removed": 1}
    assert sorted(Feature.objects.filter(layer=layer).values_list("name", flat=True)) == ["A（改称）", "C"]
    layer.refresh_from_db()
    assert layer.version == 4


def test_replace_touches_only_this_municipality(db, tmp_path, suita):
    shelters = Layer.objects.get(slug="shelters")
    osaka_before = Feature.objects.filter(layer=shelters, municipality__code="27100").count()
    assert osaka_before > 3000
    path = write_geojson(tmp_path / "s.geojson", [shelter("E2720500001201", "吹田の一か所だけ")])
    shelter_parts = Feature.objects.filter(layer=shelters, municipality=suita, properties__has_key="shelter_id")
    shelters_before = shelter_parts.count()
    run_import(path, layer=shelters, municipality=suita, mode="replace")
    # The file is Suita's list of emergency sites: it replaces that list; Suita's shelters stay.
    as_emergency = Feature.objects.filter(layer=shelters, municipality=suita, properties__has_key="emergency_site_id")
    assert list(as_emergency.values_list("name", flat=True)) == ["吹田の一か所だけ"]
    assert shelter_parts.count() == shelters_before
    assert Feature.objects.filter(layer=shelters, municipality__code="27100").count() == osaka_before


def test_a_file_with_one_bad_row_publishes_nothing(db, tmp_path, suita):
    shelters = Layer.objects.get(slug="shelters")
    before = set(Feature.objects.filter(layer=shelters, municipality=suita).values_list("source_id", "name"))
    version = shelters.version
    path = write_geojson(
        tmp_path / "s.geojson",
        [shelter("E2720500001201", "良い"), shelter("E2720500002201", "悪い", lon=float("nan"))],
    )
    result = run_import(path, layer=shelters, municipality=suita, mode="replace")
    assert not result.published
    assert set(Feature.objects.filter(layer=shelters, municipality=suita).values_list("source_id", "name")) == before
    shelters.refresh_from_db()
    assert shelters.version == version


def test_every_run_is_recorded_with_file_hash_and_report(db, tmp_path, suita):
    layer = make_layer()
    path = write_geojson(tmp_path / "x.geojson", [shelter("E2720500001201", "")])
    run = run_import(path, layer=layer, municipality=suita, mode="replace", file_name="x.geojson").run
    run.refresh_from_db()
    assert run.status == "refused"
    assert len(run.file_sha256) == 64
    assert run.source_srs == "EPSG:4326"
    assert run.report[0]["row"] == 1 and run.report[0]["code"] == "required"


def test_new_features_keep_every_character_and_value_exactly(db, tmp_path, suita):
    """New features are written with COPY: separators, backslashes and JSON must come back unchanged."""
    layer = make_layer()
    awkward = "タブ\tと改行\nと\\バックスラッシュ\r\\N"
    rows = [
        shelter("E2720500001201", awkward, 住所="吹田市\\1-1", 想定収容人数="120"),
        shelter("E2720500002201", "普通の避難所", lon=SUITA_POINT[0] + 0.001),
    ]
    result = run_import(write_geojson(tmp_path / "a.geojson", rows), layer=layer, municipality=suita, mode="replace")
    assert result.published, result.errors
    first = Feature.objects.get(layer=layer, source_id="E2720500001201")
    assert first.name == awkward and first.address == "吹田市\\1-1"
    assert first.properties["capacity"] == 120 and first.properties["disasters"] == ["flood"]
    assert first.municipality.code == SUITA and first.geom.srid == 4326
    assert (round(first.geom.x, 6), round(first.geom.y, 6)) == (round(SUITA_POINT[0], 6), round(SUITA_POINT[1], 6))
    with connection.cursor() as cursor:  # the generated columns are filled in as for any insert
        cursor.execute(
            "SELECT count(*) FROM layers_feature WHERE layer_id = %s AND geom_3857 IS NOT NULL AND search_name <> ''",
            [layer.pk],
        )
        assert cursor.fetchone()[0] == 2
    again = run_import(write_geojson(tmp_path / "b.geojson", rows), layer=layer, municipality=suita, mode="replace")
    assert again.summary.as_dict() == {"new": 0, "changed": 0, "unchanged": 2, "removed": 0}
