import pytest
from django.core.management import CommandError, call_command

from layers.models import Feature, Layer
from tests.factories import SUITA_POINT, point_feature, write_geojson


def test_dry_run_by_6_digit_code_reports_and_publishes_nothing(db, tmp_path, capsys):
    path = write_geojson(
        tmp_path / "s.geojson", [point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": "X"})]
    )
    version = Layer.objects.get(slug="shelters").version
    call_command("import_layer", str(path), layer="shelters", municipality="272051", dry_run=True)
    out = capsys.readouterr().out
    assert "Dry run" in out and "removed" in out
    assert Layer.objects.get(slug="shelters").version == version


def test_errors_exit_non_zero_and_name_the_row(db, tmp_path, capsys):
    path = write_geojson(
        tmp_path / "s.geojson", [point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": ""})]
    )
    before = Feature.objects.filter(layer__slug="shelters", municipality__code="27205").count()
    with pytest.raises(CommandError, match="nothing was published"):
        call_command("import_layer", str(path), layer="shelters", municipality="吹田市")
    assert "row 1" in capsys.readouterr().out
    assert Feature.objects.filter(layer__slug="shelters", municipality__code="27205").count() == before
