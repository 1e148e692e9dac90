"""One place decides who may change what: each role against its own and another municipality."""

import pytest
from django.contrib.auth.models import AnonymousUser, User

from layers.models import Feature, Layer, Municipality, Role
from layers.permissions import can_edit_layer, can_update_status, editable_municipalities, is_prefecture_admin


@pytest.fixture
def places(db):
    return Municipality.objects.get(code="27205"), Municipality.objects.get(code="27203")


def user_with(role, municipality=None, username=None):
    user = User.objects.create_user(username or f"{role}-{municipality.code if municipality else 'pref'}")
    Role.objects.create(user=user, name=role, municipality=municipality)
    return user


def test_data_editor_edits_only_own_municipality(places):
    suita, toyonaka = places
    editor = user_with(Role.Name.DATA_EDITOR, suita)
    layer = Layer.objects.get(slug="shelters")
    assert can_edit_layer(editor, layer, suita)
    assert not can_edit_layer(editor, layer, toyonaka)
    assert not can_edit_layer(editor, layer, None), "prefecture-wide imports are for the prefecture"
    assert list(editable_municipalities(editor)) == [suita]


def test_disaster_staff_update_status_only_in_own_municipality(places):
    suita, toyonaka = places
    staff = user_with(Role.Name.DISASTER_STAFF, suita)
    own = Feature.objects.filter(layer__slug="shelters", municipality=suita).first()
    other = Feature.objects.filter(layer__slug="shelters", municipality=toyonaka).first()
    assert can_update_status(staff, own)
    assert not can_update_status(staff, other)
    assert not can_edit_layer(staff, own.layer, suita), "status staff do not publish data"


def test_prefecture_admin_and_superuser_may_do_everything(places):
    _, toyonaka = places
    admin = user_with(Role.Name.PREFECTURE_ADMIN)
    root = User.objects.create_superuser("root", password="x")
    shelter = Feature.objects.filter(layer__slug="shelters", municipality=toyonaka).first()
    for user in (admin, root):
        assert is_prefecture_admin(user)
        assert can_edit_layer(user, shelter.layer, None)
        assert can_update_status(user, shelter)
        assert editable_municipalities(user).count() == 43


def test_anonymous_and_inactive_users_may_do_nothing(places):
    suita, _ = places
    inactive = user_with(Role.Name.PREFECTURE_ADMIN, username="gone")
    inactive.is_active = False
    inactive.save()
    shelter = Feature.objects.filter(layer__slug="shelters", municipality=suita).first()
    for user in (AnonymousUser(), inactive):
        assert not is_prefecture_admin(user)
        assert not can_update_status(user, shelter)
        assert not can_edit_layer(user, shelter.layer, suita)


def test_a_prefecture_role_cannot_be_tied_to_a_municipality(places):
    from django.db import IntegrityError, transaction

    suita, _ = places
    user = User.objects.create_user("confused")
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=user, name=Role.Name.PREFECTURE_ADMIN, municipality=suita)
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=None)
