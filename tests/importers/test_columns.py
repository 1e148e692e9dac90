"""Values for the whole file: a field the file has no column for, set once for every row."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from importers.models import ImportRun
from importers.pipeline import run_import
from importers.upload import ImportOptions
from layers.models import Feature, Layer, Municipality, Role
from tests.factories import SUITA, SUITA_POINT, make_layer, write_csv
from tests.importers.conftest import run_queued_imports


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def shelter_list(tmp_path, extra_header=(), extra=()):
    """A municipality's 指定避難所一覧: names and places, nothing that says they are 指定避難所."""
    header = ["ID", "名称", "住所", "緯度", "経度", *extra_header]
    rows = [
        ["S-1", "吹田市役所", "吹田市泉町1-3-40", SUITA_POINT[1], SUITA_POINT[0], *extra],
        ["S-2", "吹田市立第一小学校", "吹田市", SUITA_POINT[1] + 0.001, SUITA_POINT[0], *extra],
    ]
    return write_csv(tmp_path / "shitei_hinanjo.csv", header, rows)


def test_a_required_field_missing_everywhere_is_said_once_with_how_to_set_it(db, tmp_path, suita):
    result = run_import(shelter_list(tmp_path), layer=make_layer(), municipality=suita, mode="dry_run")
    hint = result.findings[0]
    assert (hint.code, hint.row, hint.field) == ("field_missing_everywhere", None, "designation")
    assert "--set designation=" in hint.message_en and "emergency_site, shelter" in hint.message_en
    assert [f.code for f in result.errors[1:]] == ["required", "required"]


def test_a_value_for_every_row_fills_the_field(db, tmp_path, suita):
    layer = make_layer()
    options = ImportOptions(values={"designation": "shelter"})
    result = run_import(shelter_list(tmp_path), layer=layer, municipality=suita, options=options)
    assert result.published, [str(f) for f in result.errors]
    assert {f.properties["designation"] for f in Feature.objects.filter(layer=layer)} == {"shelter"}
    assert result.run.options["values"] == {"designation": "shelter"}


def test_a_value_for_every_row_replaces_the_files_column_and_says_so(db, tmp_path, suita):
    layer = make_layer()
    path = shelter_list(tmp_path, ["designation"], ["emergency_site"])
    result = run_import(path, layer=layer, municipality=suita, options=ImportOptions(values={"designation": "shelter"}))
    assert result.published
    assert [f.field for f in result.findings if f.code == "column_ignored"] == ["designation"]
    assert {f.properties["designation"] for f in Feature.objects.filter(layer=layer)} == {"shelter"}


@pytest.mark.parametrize(
    "values,code",
    [({"designation": "hinanjo"}, "invalid_value"), ({"colour": "red"}, "unknown_field")],
    ids=["not-in-code-list", "unknown-field"],
)
def test_a_bad_value_for_every_row_refuses_the_file_once(db, tmp_path, suita, values, code):
    result = run_import(
        shelter_list(tmp_path), layer=make_layer(), municipality=suita, options=ImportOptions(values=values)
    )
    (error,) = result.errors
    assert (error.code, error.row, error.field) == (code, None, next(iter(values)))


def test_import_layer_set_option(db, tmp_path, capsys):
    path = shelter_list(tmp_path)
    call_command("import_layer", str(path), layer="shelters", municipality=SUITA, set=["designation=shelter"])
    assert "Published shelters" in capsys.readouterr().out
    # The file is Suita's list of shelters: it replaces that list (the emergency sites stay).
    shelters = Feature.objects.filter(
        layer__slug="shelters", municipality__code=SUITA, properties__has_key="shelter_id"
    )
    assert set(shelters.values_list("name", flat=True)) == {"吹田市役所", "吹田市立第一小学校"}


def test_import_layer_set_option_must_be_field_equals_value(db, tmp_path):
    with pytest.raises(CommandError, match="FIELD=VALUE"):
        call_command("import_layer", str(shelter_list(tmp_path)), layer="shelters", set=["designation"])


def test_upload_form_values_are_used_for_the_report_and_the_publish(client, db, tmp_path, settings, suita):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    user = User.objects.create_user("suita-ed", password="pw")
    Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=suita)
    client.force_login(user)
    path = shelter_list(tmp_path)
    response = client.post(
        "/staff/imports/",
        {
            "layer": Layer.objects.get(slug="shelters").pk,
            "municipality": suita.pk,
            "mode": "replace",
            "values": "designation=shelter\n",
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
        },
    )
    assert response.status_code == 302
    run_queued_imports()  # the worker's part
    run = ImportRun.objects.latest("created_at")
    assert run.status == "reported", run.report
    client.post(f"/staff/imports/{run.pk}/publish", {"confirm_removals": run.counts["removed"]})
    run_queued_imports()
    published = Feature.objects.filter(layer__slug="shelters", municipality=suita, properties__has_key="shelter_id")
    assert {f.properties["designation"] for f in published} == {"shelter"} and published.count() == 2
