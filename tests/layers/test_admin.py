"""The admin works for every model, in Japanese, with map widgets served locally."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from layers.models import Feature, Municipality


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("boss", password="x"))
    return client


@pytest.mark.parametrize(
    "model",
    ["layers.municipality", "layers.ward", "layers.layer", "layers.feature", "layers.role", "importers.importrun"],
)
def test_changelists_render(admin_client, model):
    app, name = model.split(".")
    response = admin_client.get(reverse(f"admin:{app}_{name}_changelist"), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200


def test_feature_change_page_has_a_local_map_widget_in_japanese(admin_client):
    feature = Feature.objects.filter(layer__slug="shelters").first()
    response = admin_client.get(reverse("admin:layers_feature_change", args=[feature.pk]), HTTP_ACCEPT_LANGUAGE="ja")
    html = response.content.decode()
    assert response.status_code == 200
    assert "vendor/ol/ol.js" in html
    assert "cdn.jsdelivr.net" not in html
    assert "保存" in html  # Django's own Japanese translation of "Save"


def test_municipality_change_page(admin_client):
    municipality = Municipality.objects.get(code="27205")
    response = admin_client.get(reverse("admin:layers_municipality_change", args=[municipality.pk]))
    assert response.status_code == 200


def test_vendored_openlayers_exists(settings):
    from pathlib import Path

    static = Path(settings.BASE_DIR) / "frontend/static/vendor/ol/ol.js"
    assert static.stat().st_size > 100_000
