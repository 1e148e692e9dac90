"""A row's own municipality code: another municipality's row is an error in a municipality's import;
prefecture-wide, each row goes to the municipality it names."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from importers.models import ImportRun
from importers.pipeline import run_import
from layers.models import Feature, Layer, Municipality, Role
from tests.factories import OSAKA_KITA_POINT, SUITA, SUITA_POINT, make_layer, write_csv
from tests.importers.conftest import run_queued_imports

HEADER = ["所在地_全国地方公共団体コード", "ID", "名称", "緯度", "経度", "災害種別_地震"]


def row(code, id_, name, point):
    return [code, id_, name, point[1], point[0], "1"]


def test_another_municipalitys_row_is_an_error_in_a_municipal_import(db, tmp_path):
    path = write_csv(
        tmp_path / "suita.csv",
        HEADER,
        [row("272051", "1", "吹田市役所", SUITA_POINT), row("271004", "2", "大阪駅前広場", OSAKA_KITA_POINT)],
    )
    layer = make_layer()
    result = run_import(path, layer=layer, municipality=Municipality.objects.get(code=SUITA))
    (error,) = result.errors
    assert (error.code, error.row, error.field, error.value) == (
        "other_municipality_code",
        2,
        "所在地_全国地方公共団体コード",
        "271004",
    )
    assert "大阪市" in error.message_en and "吹田市" in error.message_en
    assert not Feature.objects.filter(layer=layer).exists()


def test_a_ward_code_belongs_to_its_city(db, tmp_path):
    path = write_csv(tmp_path / "kita.csv", HEADER, [row("27127", "1", "大阪駅前広場", OSAKA_KITA_POINT)])
    layer = make_layer()
    result = run_import(path, layer=layer, municipality=Municipality.objects.get(code="27100"))
    assert result.published, [str(f) for f in result.errors]
    assert Feature.objects.get(layer=layer).ward.code == "27127"


def test_prefecture_wide_rows_go_to_the_municipality_they_name(db, tmp_path):
    path = write_csv(
        tmp_path / "osaka_pref.csv",
        HEADER,
        [row("272051", "1", "吹田市役所", SUITA_POINT), row("271004", "1", "大阪駅前広場", OSAKA_KITA_POINT)],
    )
    layer = make_layer()
    result = run_import(path, layer=layer, municipality=None)
    assert result.published, [str(f) for f in result.errors]
    placed = dict(Feature.objects.filter(layer=layer).values_list("name", "municipality__code"))
    assert placed == {"吹田市役所": "27205", "大阪駅前広場": "27100"}


def test_prefecture_wide_row_far_from_the_municipality_it_names_is_an_error(db, tmp_path):
    path = write_csv(tmp_path / "p.csv", HEADER, [row("272051", "1", "大阪駅前広場", OSAKA_KITA_POINT)])
    result = run_import(path, layer=make_layer(), municipality=None, mode="dry_run")
    (error,) = result.errors
    assert (error.code, error.row) == ("outside_municipality", 1)
    assert "27205" in error.message_en


def test_prefecture_wide_row_of_another_prefecture_is_an_error(db, tmp_path):
    path = write_csv(tmp_path / "p.csv", HEADER, [row("472018", "1", "那覇市役所", SUITA_POINT)])
    result = run_import(path, layer=make_layer(), municipality=None, mode="dry_run")
    assert [(f.code, f.value) for f in result.errors] == [("municipality_code_outside_prefecture", "472018")]


@pytest.fixture
def suita_editor(db, client):
    user = User.objects.create_user("suita-ed", password="pw")
    Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code=SUITA))
    client.force_login(user)
    return user


def test_municipal_editor_uploading_another_municipalitys_rows_gets_the_error(client, suita_editor, tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    path = write_csv(tmp_path / "mixed.csv", HEADER, [row("271004", "2", "大阪駅前広場", OSAKA_KITA_POINT)])
    response = client.post(
        "/staff/imports/",
        {
            "layer": Layer.objects.get(slug="shelters").pk,
            "municipality": Municipality.objects.get(code=SUITA).pk,
            "mode": "replace",
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
        },
    )
    assert response.status_code == 302
    run_queued_imports()  # the worker's part
    run = ImportRun.objects.latest("created_at")
    assert run.status == "refused"
    assert [f["code"] for f in run.report if f["severity"] == "error"] == ["other_municipality_code"]
