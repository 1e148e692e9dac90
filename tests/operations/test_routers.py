"""Reads from a replica, writes to the primary; staff pages, writes and a client that has just
written read from the primary (read-your-writes). The replica here is the test database through a
connection of its own (conftest.py), which does not see the test's uncommitted writes, as a lagging
replica would not."""

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from layers.models import Feature, Layer, Municipality, Role, ShelterStatus
from mapapp.routers import PIN_COOKIE, PrimaryReplicaRouter, replica_reads
from mapapp.wsgi import application
from tests.factories import SUITA
from tests.layers.tiles.test_tile_fastpath import OSAKA_STATION_Z14, call

from .conftest import REPLICA

pytestmark = pytest.mark.django_db(databases=["default", REPLICA])


def test_outside_a_request_everything_goes_to_the_primary(with_replica):
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Feature) == "default"  # the import worker, commands, shells
    assert router.db_for_write(Feature) == "default"
    assert not router.allow_migrate(REPLICA, "layers") and router.allow_migrate("default", "layers")


def test_a_residents_request_reads_from_the_replica_until_it_writes(with_replica):
    router = PrimaryReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Feature) == REPLICA
        assert router.db_for_write(ShelterStatus) == "default"
        assert router.db_for_read(ShelterStatus) == "default", "after a write, the request reads its writes"
    with replica_reads(allowed=False):
        assert router.db_for_read(Feature) == "default"


def test_without_replicas_nothing_changes(settings):
    settings.DATABASE_REPLICAS = []
    with replica_reads():
        assert PrimaryReplicaRouter().db_for_read(Feature) == "default"


def queries(alias):
    return CaptureQueriesContext(connections[alias])


def test_the_features_of_a_box_come_from_the_replica(with_replica, client):
    with queries("default") as primary, queries(REPLICA) as replica:
        response = client.get("/api/layers/shelters/features/?bbox=135.49,34.69,135.51,34.71")
    assert response.status_code == 200 and response.json()["features"]
    assert any("ST_AsGeoJSON" in q["sql"] or "json_build_object" in q["sql"] for q in replica.captured_queries)
    assert not any("layers_feature" in q["sql"] for q in primary.captured_queries)


def test_tiles_of_the_short_path_come_from_the_replica(with_replica, keep_the_test_transaction):
    with queries("default") as primary, queries(REPLICA) as replica:
        assert call(application, OSAKA_STATION_Z14)["status"].startswith("200")
    assert any("ST_AsMVT" in q["sql"] or "EXECUTE" in q["sql"] for q in replica.captured_queries)
    assert not primary.captured_queries


def test_staff_pages_read_from_the_primary(with_replica, client):
    user = User.objects.create_user("router-staff")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
    client.force_login(user)  # the session exists only in the test's transaction: a replica would not know it
    with queries(REPLICA) as replica:
        assert client.get("/staff/shelters/").status_code == 200
    assert not replica.captured_queries


def test_a_status_update_is_read_back_from_the_primary(with_replica, client):
    """A municipal system (token, no session) updates a shelter; its next feed reads the primary."""
    user = User.objects.create_user("router-system")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
    token = Token.objects.create(user=user)
    shelter = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).order_by("source_id").first()
    url = f"/api/shelters/{shelter.source_id}/status/?municipality={SUITA}"
    auth = {"Authorization": f"Token {token.key}"}

    with queries(REPLICA) as replica:
        version = client.get(url, headers=auth)["ETag"]  # one shelter's status: always the primary
        answer = client.patch(
            url, {"opening_status": "open", "evacuee_count": 7}, content_type="application/json",
            headers={**auth, "If-Match": version},
        )  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert not replica.captured_queries
    assert client.cookies[PIN_COOKIE]["max-age"] == 15

    with queries(REPLICA) as replica:
        feed = client.get("/api/shelters/status/").json()
    assert not replica.captured_queries
    assert [s["count"] for s in feed["shelters"] if s["id"] == shelter.source_id] == [7]

    # A resident without the cookie reads the replica, which has not seen the write yet.
    client.cookies.clear()
    with queries(REPLICA) as replica:
        feed = client.get("/api/shelters/status/").json()
    assert replica.captured_queries
    assert not [s for s in feed["shelters"] if s["id"] == shelter.source_id]


def test_a_pin_cookie_from_the_past_does_not_pin(with_replica, client):
    client.cookies[PIN_COOKIE] = "1000"
    with queries(REPLICA) as replica:
        assert client.get("/api/layers/").status_code == 200
    assert replica.captured_queries
    assert Layer.objects.exists()
