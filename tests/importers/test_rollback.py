"""Rollback: a layer can be returned to any earlier published version, as a new publish."""

import pytest
from django.core.management import call_command

from importers.pipeline import run_import
from importers.versions import RollbackError, rollback
from layers.models import Feature, Municipality
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson

TOYONAKA_POINT = (135.4699, 34.7817)


def shelters_file(path, names, point=SUITA_POINT, code=SUITA):
    features = [
        point_feature(*point, 共通ID=f"E{code}{i:05d}201", **{"施設・場所名": name, "洪水": "1"})
        for i, name in enumerate(names, start=1)
    ]
    return write_geojson(path, features)


def state(layer):
    return sorted(Feature.objects.filter(layer=layer).values_list("municipality__code", "name"))


def test_rollback_restores_each_municipality_as_it_was(db, tmp_path):
    suita = Municipality.objects.get(code=SUITA)
    toyonaka = Municipality.objects.get(code="27203")
    layer = make_layer()
    run_import(shelters_file(tmp_path / "1.geojson", ["A", "B"]), layer=layer, municipality=suita)  # v2
    run_import(
        shelters_file(tmp_path / "2.geojson", ["T1"], TOYONAKA_POINT, "27203"), layer=layer, municipality=toyonaka
    )  # v3
    at_v3 = state(layer)
    run_import(shelters_file(tmp_path / "3.geojson", ["A2"]), layer=layer, municipality=suita)  # v4
    run_import(
        shelters_file(tmp_path / "4.geojson", ["T2", "T3"], TOYONAKA_POINT, "27203"), layer=layer, municipality=toyonaka
    )  # v5
    assert state(layer) == [("27203", "T2"), ("27203", "T3"), ("27205", "A2")]

    new_version = rollback(layer, 3)
    assert new_version == 6
    assert state(layer) == at_v3

    rollback(layer, 2)  # before Toyonaka had anything
    assert state(layer) == [("27205", "A"), ("27205", "B")]
    rollback(layer, 5)  # forward again: every version stays reachable
    assert state(layer) == [("27203", "T2"), ("27203", "T3"), ("27205", "A2")]


def test_rollback_of_a_prefecture_wide_layer(db, tmp_path):
    layer = make_layer(slug="t-pref")
    run_import(shelters_file(tmp_path / "1.geojson", ["A"]), layer=layer, municipality=None)
    run_import(shelters_file(tmp_path / "2.geojson", ["B", "C"]), layer=layer, municipality=None)
    rollback(layer, 2)
    assert state(layer) == [("27205", "A")]


def test_rollback_to_an_unknown_version_changes_nothing(db):
    layer = make_layer()
    with pytest.raises(RollbackError):
        rollback(layer, 99)
    layer.refresh_from_db()
    assert layer.version == 1


def test_rollback_command_lists_and_rolls_back(db, tmp_path, capsys):
    suita = Municipality.objects.get(code=SUITA)
    layer = make_layer(slug="t-cmd")
    run_import(shelters_file(tmp_path / "1.geojson", ["A"]), layer=layer, municipality=suita)
    run_import(shelters_file(tmp_path / "2.geojson", ["B"]), layer=layer, municipality=suita)
    call_command("rollback_layer", layer="t-cmd")
    assert "v3" in capsys.readouterr().out
    call_command("rollback_layer", layer="t-cmd", to_version=2)
    assert state(layer) == [("27205", "A")]


def test_admin_action_rolls_back_for_prefecture_admins_only(db, tmp_path, client):
    from django.contrib.auth.models import User

    from importers.models import PublishedVersion
    from layers.models import Role

    suita = Municipality.objects.get(code=SUITA)
    layer = make_layer(slug="t-admin")
    run_import(shelters_file(tmp_path / "1.geojson", ["A"]), layer=layer, municipality=suita)  # v2
    run_import(shelters_file(tmp_path / "2.geojson", ["B"]), layer=layer, municipality=suita)  # v3
    v2 = PublishedVersion.objects.get(layer=layer, version=2)
    url = "/admin/importers/publishedversion/"
    form = {"action": "roll_back_to_this_version", "_selected_action": [v2.pk]}

    editor = User.objects.create_user("ed", is_staff=True)
    Role.objects.create(user=editor, name=Role.Name.DATA_EDITOR, municipality=suita)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="view_publishedversion"))
    client.force_login(editor)
    client.post(url, form)
    assert state(layer) == [("27205", "B")], "a municipal editor cannot roll a layer back"

    client.force_login(User.objects.create_superuser("pref"))
    response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert state(layer) == [("27205", "A")]
    layer.refresh_from_db()
    assert layer.version == 4
