"""The tile short path answers exactly as Django's full path does, and other URLs take the full path."""

from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections

from mapapp.wsgi import application, django_application

# Headers only the full path sends: language negotiation and CORS's Vary, which tiles do not need
# (a tile is the same in every language, and the short path always allows any origin).
FULL_PATH_ONLY = {"vary", "content-language", "access-control-allow-origin", "access-control-expose-headers"}


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Both handlers close stale connections at request end; the test's connection holds its transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(app, path, query="", method="GET", headers=None):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=method, HTTP_HOST="localhost")
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, headers):
        answer["status"] = status
        answer["headers"] = {k.lower(): v for k, v in headers}

    answer["body"] = b"".join(app(environ, start_response))
    return answer


OSAKA_STATION_Z14 = "/tiles/shelters/14/14358/6506.pbf"


@pytest.mark.parametrize(
    "path,query,method,headers",
    [
        (OSAKA_STATION_Z14, "", "GET", {}),
        (OSAKA_STATION_Z14, "", "HEAD", {}),
        (OSAKA_STATION_Z14, "v=1", "GET", {}),  # an old version: redirect to the current one
        ("/tiles/shelters/14/0/0.pbf", "", "GET", {}),  # empty: 204
        ("/tiles/shelters/40/0/0.pbf", "", "GET", {}),  # bad z: 400
        ("/tiles/shelters/14/-1/0.pbf", "", "GET", {}),
        ("/tiles/no-such-layer/1/0/0.pbf", "", "GET", {}),  # 404
    ],
)
def test_short_path_matches_the_full_path(db, path, query, method, headers):
    fast = call(application, path, query, method, headers)
    full = call(django_application, path, query, method, headers)
    assert fast["status"] == full["status"]
    # The server drops a HEAD response's body; the short path does not make one.
    assert fast["body"] == (b"" if method == "HEAD" else full["body"])
    assert {k: v for k, v in fast["headers"].items() if k not in FULL_PATH_ONLY} == {
        k: v for k, v in full["headers"].items() if k not in FULL_PATH_ONLY
    }
    assert fast["headers"]["access-control-allow-origin"] == "*"
    assert "vary" not in fast["headers"]


def test_short_path_serves_304_and_the_current_version(db):
    first = call(application, OSAKA_STATION_Z14)
    assert first["status"].startswith("200") and first["body"]
    again = call(application, OSAKA_STATION_Z14, headers={"If-None-Match": first["headers"]["etag"]})
    assert again["status"].startswith("304") and again["body"] == b""


def test_other_urls_and_methods_take_the_full_path(db):
    assert call(application, "/healthz")["status"].startswith("200")
    preflight = call(
        application,
        OSAKA_STATION_Z14,
        method="OPTIONS",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight["headers"].get("access-control-allow-origin") == "*"
    post = call(application, OSAKA_STATION_Z14, method="POST")
    assert post["status"] == call(django_application, OSAKA_STATION_Z14, method="POST")["status"]
    assert not post["status"].startswith("2")
