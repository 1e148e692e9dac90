"""Shelter status: optimistic concurrency, history, permissions, congestion, feeds and exports."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from importers.pipeline import run_import
from layers.models import Feature, Municipality, Role, ShelterStatus, ShelterStatusChange
from layers.status import service
from tests.factories import SUITA, SUITA_POINT, point_feature, write_geojson


def staff(code, username=None, role=Role.Name.DISASTER_STAFF):
    user = User.objects.create_user(username or f"staff-{code}")
    Role.objects.create(user=user, name=role, municipality=Municipality.objects.get(code=code))
    return user


def a_shelter(code=SUITA, n=0):
    return Feature.objects.filter(layer__slug="shelters", municipality__code=code).order_by("source_id")[n]


@pytest.mark.parametrize(
    "count,capacity,full,expected",
    [(0, 100, False, "available"), (29, 100, False, "available"), (30, 100, False, "somewhat_crowded"),
     (59, 100, False, "somewhat_crowded"), (60, 100, False, "crowded"), (79, 100, False, "crowded"),
     (80, 100, False, "full"), (150, 100, False, "full"), (5, 100, True, "full"), (5, None, False, None)],
)  # fmt: skip
def test_congestion_levels(count, capacity, full, expected):
    assert service.congestion("open", count, capacity, full) == expected


def test_congestion_is_none_unless_open():
    assert service.congestion("not_open", 90, 100) is None
    assert service.congestion("closed", 90, 100, True) is None
    assert service.congestion("permanent", 90, 100) == "full"


def test_update_records_history_and_times(db):
    user = staff(SUITA)
    shelter = a_shelter()
    status = service.update_status(shelter, {"opening_status": "open", "evacuee_count": 12}, 0, user)
    assert status.version == 1 and status.opened_at is not None and status.updated_by == user
    status = service.update_status(shelter, {"opening_status": "closed"}, 1, user)
    assert status.closed_at is not None
    history = list(ShelterStatusChange.objects.filter(status=status).order_by("version"))
    assert [(h.before["status"], h.after["status"]) for h in history] == [("not_open", "open"), ("open", "closed")]
    assert history[0].after["count"] == 12 and history[0].changed_by == user


def test_stale_update_is_refused_and_the_first_writer_wins(db):
    first, second = staff(SUITA, "a"), staff(SUITA, "b")
    shelter = a_shelter()
    service.update_status(shelter, {"opening_status": "open", "evacuee_count": 10}, 0, first)
    with pytest.raises(service.StaleVersion) as refused:
        service.update_status(shelter, {"evacuee_count": 99}, 0, second)
    assert refused.value.current.evacuee_count == 10
    stored = ShelterStatus.objects.get(source_id=shelter.source_id, municipality=shelter.municipality)
    assert (stored.evacuee_count, stored.version) == (10, 1)


def test_staff_of_another_municipality_cannot_update(db):
    toyonaka_staff = staff("27203")
    shelter = a_shelter(SUITA)
    with pytest.raises(service.NotAllowed):
        service.update_status(shelter, {"opening_status": "open"}, 0, toyonaka_staff)
    assert not ShelterStatus.objects.filter(source_id=shelter.source_id).exists()


def test_a_data_editor_is_not_disaster_staff(db):
    editor = staff(SUITA, role=Role.Name.DATA_EDITOR)
    with pytest.raises(service.NotAllowed):
        service.update_status(a_shelter(), {"opening_status": "open"}, 0, editor)


@pytest.mark.parametrize(
    "changes",
    [{"opening_status": "開設"}, {"evacuee_count": -1}, {"evacuee_count": "many"}, {"evacuee_count": 1.5},
     {"evacuee_count": True}, {"capacity_override": 0}, {"note": "x" * 201}, {"name": "renamed"},
     {"marked_full": "yes"}],
)  # fmt: skip
def test_invalid_changes_are_refused(db, changes):
    with pytest.raises(service.InvalidUpdate):
        service.update_status(a_shelter(), changes, 0, staff(SUITA))


def test_master_data_reimport_keeps_the_status(db, tmp_path):
    user = staff(SUITA)
    shelter = a_shelter()
    service.update_status(shelter, {"opening_status": "open", "evacuee_count": 5}, 0, user)
    path = write_geojson(
        tmp_path / "s.geojson",
        [
            point_feature(
                *SUITA_POINT, 共通ID=shelter.source_id, **{"施設・場所名": shelter.name + "（改称）", "洪水": "1"}
            )
        ],
    )
    assert run_import(path, layer=shelter.layer, municipality=shelter.municipality, mode="replace").published
    status = ShelterStatus.objects.get(source_id=shelter.source_id, municipality=shelter.municipality)
    assert (status.opening_status, status.evacuee_count, status.version) == ("open", 5, 1)
    assert ShelterStatusChange.objects.filter(status=status).count() == 1, "a master correction is no status change"


def test_capacity_comes_from_master_data_unless_overridden(db):
    shelter = a_shelter()
    shelter.properties["capacity"] = 200
    shelter.save()
    user = staff(SUITA)
    status = service.update_status(shelter, {"opening_status": "open", "evacuee_count": 100}, 0, user)
    assert service.state_of(status, shelter)["congestion"] == "somewhat_crowded"
    status = service.update_status(shelter, {"capacity_override": 120}, 1, user)
    state = service.state_of(status, shelter)
    assert (state["capacity"], state["congestion"]) == (120, "full")


# --- over HTTP ---------------------------------------------------------------------------------


def test_feed_etag_and_304(client, db):
    shelter = a_shelter()
    first = client.get("/api/shelters/status/")
    assert first.status_code == 200 and "max-age" in first["Cache-Control"]
    # Shared caches keep the feed shorter than browsers, so the poll on top still lands within 10 s.
    assert first["Cache-Control"] == "public, max-age=5, s-maxage=2"
    assert client.get("/api/shelters/status/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    service.update_status(shelter, {"opening_status": "open", "evacuee_count": 3}, 0, staff(SUITA))
    second = client.get("/api/shelters/status/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    entry = next(s for s in second.json()["shelters"] if s["id"] == shelter.source_id)
    assert entry["status"] == "open" and entry["count"] == 3 and entry["municipality"] == SUITA


def test_patch_needs_if_match_and_refuses_stale(client, db):
    client.force_login(staff(SUITA))
    shelter = a_shelter()
    url = f"/api/shelters/{shelter.source_id}/status/"
    assert client.patch(url, {"opening_status": "open"}, content_type="application/json").status_code == 428
    etag = client.get(url)["ETag"]
    ok = client.patch(url, {"opening_status": "open"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["status"] == "open"
    stale = client.patch(url, {"evacuee_count": 7}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert stale.json()["error"]["current"]["status"] == "open" and stale.json()["error"]["current"]["count"] == 0


def test_the_etag_of_a_gzipped_get_works_as_if_match(client, db):
    """Phones and browsers accept gzip, so the ETag they hold is the gzipped representation's."""
    client.force_login(staff(SUITA))
    url = f"/api/shelters/{a_shelter().source_id}/status/"
    plain = client.get(url)["ETag"]
    held = plain[:-1] + '-gzip"'
    got = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    # A small body is sent gzipped only when that is shorter (gzip's random padding decides it).
    assert got["ETag"] == (held if got.get("Content-Encoding") == "gzip" else plain)
    ok = client.patch(url, {"evacuee_count": 4}, content_type="application/json", HTTP_IF_MATCH=held)
    assert ok.status_code == 200, ok.content
    again = client.patch(url, {"evacuee_count": 5}, content_type="application/json", HTTP_IF_MATCH=held)
    assert again.status_code == 409


def test_patch_for_another_municipality_is_403_and_changes_nothing(client, db):
    client.force_login(staff("27203"))
    shelter = a_shelter(SUITA)
    response = client.patch(
        f"/api/shelters/{shelter.source_id}/status/", {"opening_status": "open"},
        content_type="application/json", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert response.status_code == 403
    assert not ShelterStatus.objects.filter(source_id=shelter.source_id).exists()


def test_anonymous_patch_is_401(client, db):
    response = client.patch(
        f"/api/shelters/{a_shelter().source_id}/status/", {}, content_type="application/json", HTTP_IF_MATCH='"0"'
    )
    assert response.status_code in (401, 403)


def test_exports_with_eei_names(client, db):
    shelter = a_shelter()
    user = staff(SUITA)
    service.update_status(shelter, {"opening_status": "open", "evacuee_count": 4, "note": "=HYPERLINK(1)"}, 0, user)
    service.update_status(shelter, {"evacuee_count": 6}, 1, user)
    csv_text = client.get("/api/shelters/status/export", {"format": "csv", "municipality": SUITA}).content.decode()
    assert csv_text.startswith("\ufeff全国共通避難所・避難場所ID,地方公共団体コード")
    assert f"{shelter.source_id},{SUITA},{shelter.name},開設,6" in csv_text
    assert "'=HYPERLINK(1)" in csv_text
    history = client.get("/api/shelters/status/export", {"history": "1", "municipality": SUITA}).json()["shelters"]
    assert [h["count"] for h in history if h["id"] == shelter.source_id] == [4, 6]
    assert client.get("/api/shelters/status/export", {"since": "yesterday"}).status_code == 400


# --- concurrency against the live server ---------------------------------------------------------


@pytest.fixture
def token_staff(django_db_blocker, live_app):
    """Committed users with tokens (the live server is another process); removed afterwards."""
    with django_db_blocker.unblock():
        user = User.objects.create_user("concurrent-suita")
        Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
        token = Token.objects.create(user=user).key
        shelters = list(
            Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).order_by("source_id")[10:15]
        )
    yield token, shelters
    with django_db_blocker.unblock():
        ShelterStatus.objects.filter(municipality__code=SUITA, source_id__in=[s.source_id for s in shelters]).delete()
        user.delete()


def _patch(base, shelter_id, token, version, changes):
    request = urllib.request.Request(
        f"{base}/api/shelters/{shelter_id}/status/",
        data=json.dumps(changes).encode(),
        method="PATCH",
        headers={"Authorization": f"Token {token}", "If-Match": f'"{version}"', "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_fifty_concurrent_updates_lose_nothing(live_app, token_staff, django_db_blocker):
    token, shelters = token_staff
    contested, others = shelters[0], shelters[1:]
    results = []
    lock = threading.Lock()

    def worker(i):
        # Half the threads race for the same shelter from version 0; the rest each own a shelter's sequence.
        if i < 25:
            outcome = _patch(
                live_app, contested.source_id, token, 0, {"evacuee_count": i + 1, "opening_status": "open"}
            )
            with lock:
                results.append(("contested", i, *outcome))
        else:
            shelter = others[i % len(others)]
            version = 0
            for _ in range(20):  # re-read and re-apply on 409, as a person would
                status, body = _patch(live_app, shelter.source_id, token, version, {"evacuee_count": i})
                with lock:
                    results.append((shelter.source_id, i, status, body))
                if status == 200:
                    break
                version = body["error"]["current"]["version"]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    statuses = Counter(status for *_, status, _ in results)
    assert set(statuses) <= {200, 409}, statuses
    contested_results = [r for r in results if r[0] == "contested"]
    winners = [r for r in contested_results if r[2] == 200]
    assert len(winners) == 1, "exactly one of 25 racing updates from version 0 may win"
    assert all(r[2] == 409 for r in contested_results if r not in winners)

    with django_db_blocker.unblock():
        status = ShelterStatus.objects.get(municipality__code=SUITA, source_id=contested.source_id)
        assert status.evacuee_count == winners[0][1] + 1 and status.version == 1
        for shelter in others:
            accepted = [r for r in results if r[0] == shelter.source_id and r[2] == 200]
            stored = ShelterStatus.objects.get(municipality__code=SUITA, source_id=shelter.source_id)
            history = list(ShelterStatusChange.objects.filter(status=stored).order_by("version"))
            # Every accepted update is in the history, in order, and the last one is the stored state.
            assert len(history) == len(accepted) == stored.version
            assert sorted(h.after["count"] for h in history) == sorted(r[3]["count"] for r in accepted)
            assert history[-1].after["count"] == stored.evacuee_count


def test_a_note_with_a_nul_character_is_refused(db):
    with pytest.raises(service.InvalidUpdate):
        service.update_status(a_shelter(), {"note": "a\x00b"}, 0, staff(SUITA))
