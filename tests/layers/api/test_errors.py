"""One error shape for every JSON error: {"error": {"code", "message", …}}, whoever raised it."""

import pytest
from django.contrib.auth.models import User
from rest_framework import exceptions as drf
from rest_framework.authtoken.models import Token

from layers.api.errors import drf_exception_handler
from layers.models import Feature, Municipality, Role
from tests.factories import SUITA

JSON = "application/json"


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture
def shelter(db):
    return Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).order_by("source_id").first()


@pytest.fixture
def suita_token(db):
    user = User.objects.create_user("suita-bousai-errors")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
    return Token.objects.create(user=user).key


def status_url(shelter):
    return f"/api/shelters/{shelter.source_id}/status/"


def test_a_malformed_json_body(client, shelter, suita_token):
    response = client.generic(
        "PATCH", status_url(shelter), b'{"opening_status": "open",', content_type=JSON,
        HTTP_AUTHORIZATION=f"Token {suita_token}", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert "JSON" in assert_error(response, 400, "parse_error")["message"]


def test_a_body_that_is_not_an_object(client, shelter, suita_token):
    response = client.generic(
        "PATCH", status_url(shelter), b"[1, 2]", content_type=JSON,
        HTTP_AUTHORIZATION=f"Token {suita_token}", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert_error(response, 400, "invalid")


def test_an_unsupported_media_type(client, shelter, suita_token):
    response = client.generic(
        "PATCH", status_url(shelter), b"opening_status=open", content_type="text/plain",
        HTTP_AUTHORIZATION=f"Token {suita_token}", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert_error(response, 415, "unsupported_media_type")


def test_a_missing_token(client, shelter):
    response = client.patch(status_url(shelter), {"opening_status": "open"}, content_type=JSON, HTTP_IF_MATCH='"0"')
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token(client, shelter):
    response = client.patch(
        status_url(shelter), {"opening_status": "open"}, content_type=JSON,
        HTTP_AUTHORIZATION="Token not-a-real-token", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert_error(response, 401, "authentication_failed")


def test_an_unknown_shelter(client, db, suita_token):
    assert_error(client.get("/api/shelters/E99999-no-such-shelter/status/"), 404, "not_found")
    response = client.patch(
        "/api/shelters/E99999-no-such-shelter/status/", {}, content_type=JSON,
        HTTP_AUTHORIZATION=f"Token {suita_token}", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert_error(response, 404, "not_found")


def test_a_missing_if_match(client, shelter, suita_token):
    response = client.patch(
        status_url(shelter), {"opening_status": "open"}, content_type=JSON, HTTP_AUTHORIZATION=f"Token {suita_token}"
    )
    assert_error(response, 428, "precondition_required")


def test_an_invalid_field_names_the_field(client, shelter, suita_token):
    response = client.patch(
        status_url(shelter), {"evacuee_count": -1}, content_type=JSON,
        HTTP_AUTHORIZATION=f"Token {suita_token}", HTTP_IF_MATCH='"0"',
    )  # fmt: skip
    assert assert_error(response, 400, "invalid")["field"] == "evacuee_count"


def test_a_stale_update_carries_the_current_state(client, shelter, suita_token):
    auth = {"HTTP_AUTHORIZATION": f"Token {suita_token}"}
    ok = client.patch(status_url(shelter), {"evacuee_count": 3}, content_type=JSON, HTTP_IF_MATCH='"0"', **auth)
    assert ok.status_code == 200
    stale = client.patch(status_url(shelter), {"evacuee_count": 4}, content_type=JSON, HTTP_IF_MATCH='"0"', **auth)
    error = assert_error(stale, 409, "stale")
    assert error["current"]["count"] == 3 and error["current"]["version"] == 1
    assert stale["ETag"] == '"1"'


def test_another_municipality_is_forbidden(client, db, suita_token):
    elsewhere = Feature.objects.filter(layer__slug="shelters").exclude(municipality__code=SUITA).first()
    response = client.patch(
        status_url(elsewhere), {"opening_status": "open"}, content_type=JSON,
        HTTP_AUTHORIZATION=f"Token {suita_token}", HTTP_IF_MATCH='"0"',
        QUERY_STRING=f"municipality={elsewhere.municipality.code}",
    )  # fmt: skip
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize(
    "url",
    [
        # A NUL character: no text column can hold one, so no view could use it.
        "/api/search/?q=%00", "/api/layers/shelters/features/?q=a%00b", "/api/shelters/E27205%0000001/status/",
        "/tiles/shelters/1/0/%00.pbf", "/ogc/collections/shelters/items?bbox=%00",
        # Tiles that cannot exist: zoom out of range, x or y off the grid or not a number, a bad version.
        "/tiles/shelters/40/1/1.pbf", "/tiles/shelters/25/0/0.pbf", "/tiles/shelters/8/-1/101.pbf",
        "/tiles/shelters/8/224/-1.pbf", "/tiles/shelters/8/256/101.pbf", "/tiles/shelters/8/abc/101.pbf",
        "/tiles/shelters/z/1/1.pbf", "/tiles/shelters/8/224/101.pbf?v=zero",
    ],
)  # fmt: skip
def test_invalid_parameters_are_400_not_500(client, db, url):
    assert_error(client.get(url), 400, "invalid_parameter")


def test_read_api_errors(client, db):
    assert assert_error(client.get("/api/layers/shelters/features/?limit=abc"), 400, "invalid_parameter")["parameter"]
    assert_error(client.get("/api/layers/no-such-layer/features/"), 404, "not_found")
    assert_error(client.post("/api/layers/", {}), 405, "method_not_allowed")
    assert_error(client.get("/api/search/?q=%00"), 400, "invalid_parameter")


@pytest.mark.parametrize("path", ["/api/no-such-endpoint/", "/tiles/shelters/1/2", "/ogc/no/such/path"])
def test_unknown_urls_under_the_api_answer_in_the_shape(client, db, path):
    assert_error(client.get(path), 404, "not_found")


def test_an_unknown_page_stays_html(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")


def test_throttling_gets_the_shape_and_retry_after():
    response = drf_exception_handler(drf.Throttled(wait=7), {})
    assert response.status_code == 429 and response["Retry-After"] == "7"
    assert response.data["error"]["code"] == "throttled" and response.data["error"]["retry_after"] == 7


def test_a_validation_error_names_its_field():
    response = drf_exception_handler(drf.ValidationError({"layer": ["This field is required."]}), {})
    assert response.status_code == 400
    assert response.data["error"] == {"code": "invalid", "message": "layer: This field is required."}
