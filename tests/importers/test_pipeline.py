"""The last-resort net of run_import: a bug of ours on one row, or a failing publish, is a finding too."""

import pytest

from importers import pipeline
from importers.models import ImportRun
from importers.pipeline import run_import
from importers.validate import RowValidator
from layers.models import Feature, Layer, Municipality
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def three_shelters(tmp_path):
    features = [
        point_feature(*SUITA_POINT, 共通ID=f"E27205{n:05d}201", **{"施設・場所名": f"避難所{n}"}) for n in (1, 2, 3)
    ]
    return write_geojson(tmp_path / "three.geojson", features)


def test_an_exception_while_checking_a_row_is_a_finding_for_that_row(db, tmp_path, suita, monkeypatch):
    check = RowValidator.check

    def failing_on_row_2(self, row):
        if row.number == 2:
            raise KeyError("a bug of ours")
        return check(self, row)

    monkeypatch.setattr(RowValidator, "check", failing_on_row_2)
    layer = make_layer()
    result = run_import(three_shelters(tmp_path), layer=layer, municipality=suita)
    (error,) = result.errors
    assert (error.code, error.row) == ("unexpected_error", 2)
    assert result.rows == 3 and result.accepted == 2
    assert result.run.status == "refused" and not Feature.objects.filter(layer=layer).exists()


def test_a_publish_failing_halfway_is_rolled_back_and_reported(db, tmp_path, suita, monkeypatch):
    layer = Layer.objects.get(slug="shelters")
    before = set(Feature.objects.filter(layer=layer, municipality=suita).values_list("source_id", flat=True))
    version = layer.version
    publish = pipeline.publish

    def failing_after_writing(*args, **kwargs):
        publish(*args, **kwargs)  # every write of a real publish, then the failure
        raise RuntimeError("the database went away")

    monkeypatch.setattr(pipeline, "publish", failing_after_writing)
    result = run_import(three_shelters(tmp_path), layer=layer, municipality=suita)
    assert [f.code for f in result.errors] == ["unexpected_error"]
    assert result.run.status == "refused" and result.run.published_version is None
    assert ImportRun.objects.get(pk=result.run.pk).status == "refused", "the report is kept"
    layer.refresh_from_db()
    assert layer.version == version
    assert set(Feature.objects.filter(layer=layer, municipality=suita).values_list("source_id", flat=True)) == before
