"""Production settings: HSTS behind TLS, secure cookies, CSRF on every form, Django's password
validators, and `check --deploy` with nothing to say but the documented HSTS-preload choice."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import get_resolver

from layers.models import Feature, Municipality, Role
from tests.conftest import ROOT
from tests.factories import SUITA

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-3f9c1e7d5b2a4c6e8f0a1b3c5d7e9f1a",
    "ALLOWED_HOSTS": "map.example.jp",
}
# README, "Security": HSTS preload binds the domain and its subdomains for months; its owner decides.
DOCUMENTED = {"security.W021"}

_DEPLOY_CHECK = """
import json, django
django.setup()
from django.conf import settings
from django.core.checks import run_checks
ids = sorted({m.id for m in run_checks(include_deployment_checks=True) if m.level >= 30 and not m.is_silenced()})
names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
         "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_PROXY_SSL_HEADER", "DEBUG")
print(json.dumps({"ids": ids, "settings": {n: getattr(settings, n) for n in names}}))
"""


@pytest.fixture(scope="module")
def production():
    """The deploy checks and security settings of a process started as production starts one."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")}
    env = {**inherited, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "mapapp.settings"}
    out = subprocess.run(
        [sys.executable, "-c", _DEPLOY_CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_deploy_finds_nothing_but_the_documented_preload_choice(production):
    assert set(production["ids"]) <= DOCUMENTED, production["ids"]
    readme = (ROOT / "README.md").read_text()
    assert all(check_id in readme for check_id in DOCUMENTED), "each accepted warning is explained in the README"


def test_production_sends_hsts_and_only_secure_cookies(production):
    s = production["settings"]
    assert s["DEBUG"] is False
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]


@pytest.fixture
def behind_tls(settings):
    """This process's settings as production has them (its DEBUG is on for the tests)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    return settings


def test_behind_the_tls_proxy_pages_carry_hsts_and_plain_http_is_redirected(client, db, behind_tls):
    plain = client.get("/here")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200, "load balancers probe over plain HTTP"
    secure = client.get("/here", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_login_sets_secure_http_only_cookies_behind_tls(db, behind_tls):
    User.objects.create_user("cookie-staff", password="a-long-test-password-9")
    client = Client(headers={"X-Forwarded-Proto": "https"})
    form = client.get("/accounts/login/")
    assert form.cookies["csrftoken"]["secure"]
    response = client.post(
        "/accounts/login/", {"username": "cookie-staff", "password": "a-long-test-password-9"}, follow=False
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# ---------------------------------------------------------------- CSRF on every form


class _Forms(HTMLParser):
    """Each <form method="post"> of a page, with whether it carries Django's CSRF token."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.forms.append({"action": attrs.get("action"), "token": False})
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms and attrs.get("value"):
            self.forms[-1]["token"] = True


def post_forms(html):
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def staff(db):
    """One account with every role in 吹田市, so every staff page and form shows."""
    user = User.objects.create_user("csrf-staff", password="a-long-test-password-9", is_staff=True)
    suita = Municipality.objects.get(code=SUITA)
    for role in (Role.Name.DATA_EDITOR, Role.Name.DISASTER_STAFF):
        Role.objects.create(user=user, name=role, municipality=suita)
    return user


def test_every_post_form_on_the_pages_carries_a_csrf_token(client, staff):
    shelter = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).first()
    pages = ["/", "/embed/", "/accounts/login/", "/admin/login/"]
    staff_pages = ["/staff/shelters/", f"/staff/shelters/{shelter.pk}/", "/staff/shelters/bulk/", "/staff/imports/"]
    found = 0
    for path in pages:
        for form in post_forms(client.get(path).content.decode()):
            assert form["token"], (path, form)
            found += 1
    client.force_login(staff)
    for path in staff_pages:
        forms = post_forms(client.get(path).content.decode())
        assert forms, f"{path} has a form"
        for form in forms:
            assert form["token"], (path, form)
            found += 1
    assert found >= len(pages) + len(staff_pages)


def test_a_post_without_the_csrf_token_is_refused_everywhere(staff):
    shelter = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).first()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    posts = {
        f"/staff/shelters/{shelter.pk}/": {"version": "0", "base_count": "0", "opening_status": "open"},
        "/staff/shelters/bulk/": {"action": "open", "confirm": "1", "shelter": f"{shelter.pk}:0"},
        "/staff/imports/": {},
        "/staff/imports/layers/parks/rollback": {"municipality": SUITA},
        "/i18n/setlang/": {"language": "en"},
        "/accounts/logout/": {},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    # The status API with the staff's session (not a token) asks for the token too.
    patch = client.patch(
        f"/api/shelters/{shelter.source_id}/status/?municipality={SUITA}",
        '{"opening_status": "open"}',
        content_type="application/json",
        headers={"If-Match": '"0"'},
    )
    assert patch.status_code == 403 and "CSRF" in patch.json()["error"]["message"]
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/accounts/login/", {"username": "csrf-staff", "password": "x"}).status_code == 403


# ---------------------------------------------------------------- passwords and where they are accepted


@pytest.mark.parametrize("password", ["short7", "12345678901234", "password123", "csrf-staff-1", "qwertyuiop"], ids=str)
def test_weak_passwords_are_refused(staff, password):
    with pytest.raises(ValidationError):
        validate_password(password, staff)


def test_a_long_unusual_password_is_accepted_and_the_admin_enforces_the_validators(client, staff):
    validate_password("kaeru-no-uta-ga-kikoeru-27", staff)
    client.force_login(User.objects.create_superuser("pw-root", password="a-long-test-password-9"))
    response = client.post(f"/admin/auth/user/{staff.pk}/password/", {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200 and response.context["form"].errors
    staff.refresh_from_db()
    assert staff.check_password("a-long-test-password-9")


def _views():
    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    return list(walk(get_resolver()))


def test_passwords_are_accepted_only_by_the_two_login_forms_both_locked_out_by_axes(client, db, settings):
    """Tokens are issued in the admin, not in exchange for a password: there is no token endpoint to
    guess passwords at. The two forms that take one, /accounts/login/ and /admin/login/, lock out."""
    from rest_framework.authtoken.views import ObtainAuthToken

    takers = [path for path, view in _views() if getattr(view, "cls", None) and issubclass(view.cls, ObtainAuthToken)]
    assert takers == []
    User.objects.create_user("admin-target", password="the-right-password-42", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "admin-target", "password": "guess"})
    locked = client.post("/admin/login/", {"username": "admin-target", "password": "the-right-password-42"})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
