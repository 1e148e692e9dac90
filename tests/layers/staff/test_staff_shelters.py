"""The disaster staff pages: list, big-button updates, conflicts shown back, bulk actions, permissions."""

import pytest
from django.contrib.auth.models import User

from layers.models import Feature, Municipality, Role, ShelterStatus, Ward
from layers.staff.views import PAGE_SIZE
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


def test_list_shows_only_own_municipality_with_the_true_count(client, suita_staff):
    response = client.get("/staff/shelters/")
    assert response.status_code == 200
    municipalities = {row["feature"].municipality.code for row in response.context["rows"]}
    assert municipalities == {SUITA}
    total = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).count()
    assert response.context["page"].paginator.count == total
    assert len(response.context["rows"]) == min(total, PAGE_SIZE)


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
    choose = client.get("/staff/shelters/bulk/", {"action": "open", "disaster": "flood"})
    assert "checked" not in choose.content.decode().split('class="confirm-list"')[1].split("</ul>")[0]
    review = client.post(
        "/staff/shelters/bulk/", {"action": "open", "disaster": "flood", "review": "1", "everything": "1"}
    )
    rows = review.context["rows"]
    assert rows and all("flood" in r["feature"].properties["disasters"] for r in rows)
    assert len(rows) == choose.context["total"]
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


def test_bulk_reviews_only_what_was_ticked_and_lists_the_change(client, suita_staff):
    two = [shelter(0), shelter(1)]
    review = client.post(
        "/staff/shelters/bulk/", {"action": "open", "review": "1", "shelter": [str(f.pk) for f in two]}
    )
    assert sorted(r["feature"].pk for r in review.context["rows"]) == sorted(f.pk for f in two)
    html = review.content.decode()
    assert all(f.name in html for f in two) and "未開設" in html and "開設" in html
    assert not any(stored(f) for f in two)  # nothing changes before the confirmation
    nothing = client.post("/staff/shelters/bulk/", {"action": "open", "review": "1"})
    assert nothing.context["rows"] == []


def test_status_filter_and_pages_work_past_500_shelters(client, db):
    """大阪市 has about 4,000 shelters: the filter and the count are the database's, across pages."""
    osaka = Municipality.objects.get(code="27100")
    user = User.objects.create_user("osaka-bousai")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=osaka)
    client.force_login(user)
    shelters = list(Feature.objects.filter(layer__slug="shelters", municipality=osaka).order_by("name", "pk"))
    assert len(shelters) > 500
    last = shelters[-1]
    client.post(f"/staff/shelters/{last.pk}/", {"version": 0, "base_count": 0, "opening_status": "open"})
    first_page = client.get("/staff/shelters/")
    assert first_page.context["page"].paginator.count == len(shelters)
    open_now = client.get("/staff/shelters/", {"status": "open_now"})
    assert [r["feature"].pk for r in open_now.context["rows"]] == [last.pk]
    assert open_now.context["page"].paginator.count == 1
    assert client.get("/staff/shelters/", {"status": "not_open"}).context["page"].paginator.count == len(shelters) - 1
    pages = first_page.context["page"].paginator.num_pages
    final = client.get("/staff/shelters/", {"page": pages})
    assert final.context["rows"][-1]["feature"].pk == last.pk
    assert f"page={pages}" in first_page.content.decode()


def test_ward_office_staff_see_their_ward_first_and_change_only_it(client, db):
    osaka = Municipality.objects.get(code="27100")
    kita = Ward.objects.get(municipality=osaka, name_ja="北区")
    user = User.objects.create_user("kita-kuyakusho")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=osaka, ward=kita)
    client.force_login(user)
    in_kita = Feature.objects.filter(layer__slug="shelters", ward=kita).count()
    rows = client.get("/staff/shelters/").context["rows"]
    assert in_kita >= 1 and all(r["feature"].ward_id == kita.pk for r in rows[: min(in_kita, PAGE_SIZE)])
    assert all(r["editable"] for r in rows[: min(in_kita, PAGE_SIZE)])
    elsewhere = Feature.objects.filter(layer__slug="shelters", municipality=osaka).exclude(ward=kita).first()
    response = client.post(f"/staff/shelters/{elsewhere.pk}/", {"version": 0, "opening_status": "open"})
    assert response.status_code == 403 and stored(elsewhere) is None
    mine = Feature.objects.filter(layer__slug="shelters", ward=kita).first()
    assert (
        client.post(
            f"/staff/shelters/{mine.pk}/", {"version": 0, "base_count": 0, "opening_status": "open"}
        ).status_code
        == 200
    )


def test_a_ward_belongs_to_the_city_of_the_role(db):
    from django.core.exceptions import ValidationError

    sakai_ward = Ward.objects.filter(municipality__code="27140").first()
    role = Role(user=User.objects.create_user("x"), name=Role.Name.DISASTER_STAFF,
                municipality=Municipality.objects.get(code="27100"), ward=sakai_ward)  # fmt: skip
    with pytest.raises(ValidationError):
        role.clean()


def test_staff_pages_need_a_role(client, db):
    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/staff/shelters/").status_code == 403


def test_the_list_holds_100000_shelters(client, db):
    """Filtering, counting and paging stay in the database: 100,000 shelters in one municipality."""
    from django.db import connection

    from tests.factories import make_layer

    layer = make_layer("many-shelters")
    sakai = Municipality.objects.get(code="27140")
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO layers_feature (layer_id, municipality_id, source_id, name, name_kana, address, geom,
                                           properties, updated_at)
               SELECT %s, %s, 'E27140' || lpad(n::text, 7, '0'), '避難所' || n, '', '堺市',
                      ST_SetSRID(ST_MakePoint(135.45 + (n %% 300) * 0.0003, 34.55 + (n / 300) * 0.0003), 4326),
                      jsonb_build_object('designation', 'shelter', 'disasters', '["flood"]'::jsonb), now()
               FROM generate_series(1, 100000) AS n""",
            [layer.pk, sakai.pk],
        )
    last = Feature.objects.get(layer=layer, source_id="E271400100000")
    ShelterStatus.objects.create(municipality=sakai, source_id=last.source_id, opening_status="open", version=1)
    user = User.objects.create_user("sakai-bousai")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=sakai)
    client.force_login(user)
    total = Feature.objects.filter(layer__kind="shelter", municipality=sakai).count()
    page = client.get("/staff/shelters/", {"page": 1000}).context["page"]
    assert page.paginator.count == total >= 100_000 and len(page.object_list) == PAGE_SIZE
    open_now = client.get("/staff/shelters/", {"status": "open_now"}).context
    assert [r["feature"].pk for r in open_now["rows"]] == [last.pk]
    found = client.get("/staff/shelters/", {"q": "避難所99999"}).context
    assert [r["feature"].name for r in found["rows"]] == ["避難所99999"]
