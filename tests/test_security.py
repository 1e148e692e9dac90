"""Security: a Content-Security-Policy without inline script on every HTML page, login lockout, session
expiry, methods the site does not answer, and parameters that say nothing."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User

from layers.models import Feature

PAGES = ["/", "/here", "/here?lat=34.76&lon=135.52", "/accounts/login/", "/admin/login/", "/api/docs/"]


class _Scripts(HTMLParser):
    """Every executable script a page holds inline: <script> without src (not a JSON data block), on* handlers."""

    def __init__(self):
        super().__init__()
        self.inline = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        handlers = [name for name in attrs if name.startswith("on")]
        if handlers:
            self.inline.append(f"<{tag} {handlers[0]}=…>")
        data_block = (attrs.get("type") or "").endswith("json")
        if tag == "script" and "src" not in attrs and not data_block:
            self._open = ""

    def handle_data(self, data):
        if self._open is not None:
            self._open += data

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.inline.append(self._open.strip()[:80])
            self._open = None


def inline_scripts(html):
    parser = _Scripts()
    parser.feed(html)
    return parser.inline


def directives(response):
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_csp_that_allows_no_inline_script_and_holds_none(client, db, path):
    response = client.get(path, follow=True)
    assert response.status_code in (200, 400), path
    policy = directives(response)
    assert policy["script-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and response["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in policy.get("style-src", []) and "'unsafe-eval'" not in str(policy)
    assert inline_scripts(response.content.decode()) == []


def test_staff_pages_and_the_admin_map_widget_have_no_inline_script(client, db):
    admin = User.objects.create_superuser("csp-admin", password="a-long-test-password-9")
    client.force_login(admin)
    feature = Feature.objects.filter(layer__slug="shelters").first()
    for path in ("/staff/shelters/", "/staff/imports/", f"/admin/layers/feature/{feature.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response
        assert inline_scripts(response.content.decode()) == [], path
    widget = client.get(f"/admin/layers/feature/{feature.pk}/change/").content.decode()
    assert 'id="id_geom_options" type="application/json"' in widget and "admin-map-widget.js" in widget


def test_the_embeddable_map_may_be_framed_and_nothing_else(client, db, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://www.pref.osaka.lg.jp"]
    embedded = client.get("/embed/")
    assert directives(embedded)["frame-ancestors"] == ["https://www.pref.osaka.lg.jp"]
    assert "X-Frame-Options" not in embedded
    assert directives(client.get("/"))["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_methods_the_site_has_no_use_for_are_405(client, db, method):
    response = client.generic(method, "/")
    assert response.status_code == 405 and response.content == b""
    assert "TRACE" not in response["Allow"]


def test_an_empty_bbox_is_refused_not_ignored(client, db):
    response = client.get("/api/layers/shelters/features/", {"bbox": ""})
    assert response.status_code == 400 and response.json()["error"]["parameter"] == "bbox"


def test_repeated_wrong_passwords_lock_the_account_out_from_that_address(client, db, settings):
    User.objects.create_user("suita-target", password="the-right-password-42")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = client.post("/accounts/login/", {"username": "suita-target", "password": "guess"})
        assert wrong.status_code == 200  # the form again, with its error
    last = client.post("/accounts/login/", {"username": "suita-target", "password": "guess"})
    assert last.status_code == 429
    locked = client.post("/accounts/login/", {"username": "suita-target", "password": "the-right-password-42"})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert re.search("Too many attempts|試行", locked.content.decode())
    # Another account from the same address is not locked.
    User.objects.create_user("other-user", password="another-right-password-7")
    ok = client.post("/accounts/login/", {"username": "other-user", "password": "another-right-password-7"})
    assert ok.status_code == 302


def test_staff_sessions_end():
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY
