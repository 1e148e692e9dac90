"""The disaster staff pages: list, big-button updates, conflicts shown back, bulk actions, permissions."""

import pytest
from django.contrib.auth.models import User

from layers.models import Feature, Municipality, Role, ShelterStatus
from tests.factories import SUITA


@pytest.fixture
def suita_staff(client, db):
    user = User.objects.create_user("bousai")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
    client.force_login(user)
    return user


def shelter(n=0, code=SUITA):
    return Feature.objects.filter(layer__slug="shelters", municipality__code=code).order_by("source_id")[n]


def stored(feature):
    return ShelterStatus.objects.filter(municipality=feature.municipality, source_id=feature.source_id).first()


def test_list_shows_only_own_municipality(client, suita_staff):
    response = client.get("/staff/shelters/")
    assert response.status_code == 200
    municipalities = {row["feature"].municipality.code for row in response.context["rows"]}
    assert municipalities == {SUITA}
    assert (
        len(response.context["rows"])
        == Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).count()
    )


def test_search_and_disaster_filter(client, suita_staff):
    name = shelter().name
    rows = client.get("/staff/shelters/", {"q": name[:3]}).context["rows"]
    assert rows and all(name[:3] in r["feature"].name or name[:3] in r["feature"].address for r in rows)
    flood = client.get("/staff/shelters/", {"disaster": "flood"}).context["rows"]
    assert flood and all("flood" in r["feature"].properties.get("disasters", []) for r in flood)


def test_open_then_count_with_buttons(client, suita_staff):
    feature = shelter()
    url = f"/staff/shelters/{feature.pk}/"
    assert client.post(url, {"version": 0, "base_count": 0, "opening_status": "open"}).status_code == 200
    assert client.post(url, {"version": 1, "base_count": 0, "delta": "10"}).status_code == 200
    assert client.post(url, {"version": 2, "base_count": 10, "delta": "-1"}).status_code == 200
    response = client.post(url, {"version": 3, "base_count": 9, "evacuee_count": "42"})
    assert response.context["saved"]
    status = stored(feature)
    assert (status.opening_status, status.evacuee_count, status.version) == ("open", 42, 4)


def test_stale_form_is_409_with_current_state_and_reapply(client, suita_staff):
    feature = shelter()
    url = f"/staff/shelters/{feature.pk}/"
    client.post(url, {"version": 0, "base_count": 0, "opening_status": "open"})
    response = client.post(url, {"version": 0, "base_count": 0, "evacuee_count": "5"})
    assert response.status_code == 409
    assert response.context["conflict"] == {"evacuee_count": "5"}
    assert response.context["state"]["status"] == "open"
    assert stored(feature).evacuee_count == 0
    # Re-applying with the version the conflict page carries succeeds.
    assert client.post(url, {"version": 1, "base_count": 0, "evacuee_count": "5"}).status_code == 200
    assert stored(feature).evacuee_count == 5


def test_other_municipality_shelter_is_403(client, suita_staff):
    other = shelter(code="27203")
    response = client.post(f"/staff/shelters/{other.pk}/", {"version": 0, "opening_status": "open"})
    assert response.status_code == 403
    assert stored(other) is None


def test_bulk_open_all_flood_shelters_lists_then_applies(client, suita_staff):
    confirm = client.get("/staff/shelters/bulk/", {"action": "open", "disaster": "flood"})
    rows = confirm.context["rows"]
    assert rows and all("flood" in r["feature"].properties["disasters"] for r in rows)
    items = [f"{r['feature'].pk}:{r['status'].version}" for r in rows]
    # Someone opens one of them meanwhile: that one is refused, the others applied.
    first = rows[0]["feature"]
    client.post(f"/staff/shelters/{first.pk}/", {"version": 0, "base_count": 0, "opening_status": "open"})
    done = client.post("/staff/shelters/bulk/", {"action": "open", "confirm": "1", "shelter": items})
    assert [f.pk for f in done.context["refused"]] == [first.pk]
    assert len(done.context["applied"]) == len(rows) - 1
    assert all(stored(r["feature"]).opening_status == "open" for r in rows)


def test_bulk_close_lists_only_open_shelters(client, suita_staff):
    feature = shelter()
    client.post(f"/staff/shelters/{feature.pk}/", {"version": 0, "base_count": 0, "opening_status": "open"})
    rows = client.get("/staff/shelters/bulk/", {"action": "close"}).context["rows"]
    assert [r["feature"].pk for r in rows] == [feature.pk]


def test_staff_pages_need_a_role(client, db):
    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/staff/shelters/").status_code == 403
