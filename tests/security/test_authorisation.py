"""Every write endpoint and page, tried by everyone who must not use it: refused, and nothing changed.

The people are those of a real deployment, each with a staff account as `make demo` makes them
(is_staff, so the admin's door is open to them): nobody logged in, the data editor and the disaster
staff of another municipality (豊中市), 吹田市's data editor trying to change a shelter's status and
吹田市's disaster staff trying to upload, publish or roll back a layer. Each request is first made by
someone who may make it (test_the_right_person_gets_through), so a refusal never passes by accident
of a wrong URL or form.
"""

import json
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Max
from django.test import Client
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token

from importers.models import ColumnChoice, ImportRun, PublishedVersion
from layers.models import Feature, Layer, Municipality, Role, ShelterStatus, ShelterStatusChange
from tests.factories import SUITA, SUITA_POINT, point_feature
from tests.importers.conftest import run_queued_imports

TOYONAKA = "27203"

# name: (role, municipality code); None: not logged in.
PEOPLE = {
    "anonymous": None,
    "other_municipality_editor": (Role.Name.DATA_EDITOR, TOYONAKA),
    "other_municipality_staff": (Role.Name.DISASTER_STAFF, TOYONAKA),
    "data_editor": (Role.Name.DATA_EDITOR, SUITA),
    "disaster_staff": (Role.Name.DISASTER_STAFF, SUITA),
}
# Who may do what, for the positive control.
MAY_UPDATE_STATUS = "disaster_staff"
MAY_PUBLISH = "data_editor"
ADMIN = "prefecture_admin"


def _user(name, role):
    user = User.objects.create_user(name, is_staff=True)  # force_login: no password to hash
    if role:
        Role.objects.create(user=user, name=role[0], municipality=Municipality.objects.get(code=role[1]))
    return user


@dataclass
class Scene:
    """吹田市's shelter and parks, a reviewed dry run of a parks file ready to publish, and everyone's accounts."""

    shelter: Feature
    users: dict = field(default_factory=dict)
    _run: ImportRun | None = None

    @property
    def run(self) -> ImportRun:
        """A dry run of 吹田市's parks by its data editor, reported without errors: publishable."""
        if self._run is None:
            api = self.client_for(MAY_PUBLISH, api=True)
            response = api.post(
                "/api/imports/",
                {"file": _park_file(), "layer": "parks", "municipality": SUITA, "mode": "upsert"},
            )
            assert response.status_code == 202, response.content
            run_queued_imports()
            self._run = ImportRun.objects.get(pk=response.json()["id"])
            assert self._run.status == ImportRun.Status.REPORTED, self._run.report
        return self._run

    def client_for(self, person, api=False):
        client = Client()
        user = self.users.get(person)
        if user is not None:
            if api:  # municipal systems send a token
                client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get(user=user).key}"
            else:
                client.force_login(user)
        return client


def _park_file():
    doc = {"type": "FeatureCollection", "features": [point_feature(*SUITA_POINT, ID="P-AUTH", 名称="認可の試験公園")]}
    return SimpleUploadedFile("park.geojson", json.dumps(doc).encode())


@pytest.fixture
def scene(db, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    shelter = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).order_by("source_id").first()
    users = {name: _user(name, role) for name, role in PEOPLE.items() if role}
    users[ADMIN] = User.objects.create_user(ADMIN, is_staff=True)
    Role.objects.create(user=users[ADMIN], name=Role.Name.PREFECTURE_ADMIN)
    for user in users.values():
        Token.objects.create(user=user)
    return Scene(shelter=shelter, users=users)


def snapshot(settings):
    """Everything a write could change."""
    features = Feature.objects.values("layer__slug").annotate(n=Count("pk"), last=Max("updated_at"))
    uploads = settings.UPLOAD_ROOT
    return {
        "layers": dict(Layer.objects.values_list("slug", "version")),
        "features": {row["layer__slug"]: (row["n"], row["last"]) for row in features},
        "names": sorted(Feature.objects.filter(municipality__code=SUITA).values_list("pk", "name")),
        "runs": sorted(ImportRun.objects.values_list("pk", "status")),
        "published": PublishedVersion.objects.count(),
        "columns": ColumnChoice.objects.count(),
        "status": sorted(ShelterStatus.objects.values_list("pk", "version", "opening_status")),
        "status_changes": ShelterStatusChange.objects.count(),
        "roles": sorted(Role.objects.values_list("user_id", "name", "municipality_id")),
        "users": sorted(User.objects.values_list("pk", "is_superuser", "is_staff", "is_active")),
        "permissions": sorted(User.user_permissions.through.objects.values_list("user_id", "permission_id")),
        "tokens": sorted(Token.objects.values_list("user_id", flat=True)),
        "jobs": DBTaskResult.objects.count(),
        "uploads": sorted(p.name for p in uploads.rglob("*")) if uploads.exists() else [],
    }


# ---------------------------------------------------------------- the endpoints


@dataclass
class Endpoint:
    """One write (or private) endpoint: how to call it, and who must be refused."""

    name: str
    method: str
    path: str  # formatted with the scene: {shelter.pk}, {run.pk}, …
    data: object = None
    refused: tuple = ()
    api: bool = False
    headers: dict = field(default_factory=dict)
    # What the right person gets (positive control); None: no positive control here.
    allowed: tuple | None = None
    may: str | None = None
    hidden_as_404: bool = False  # a private record of someone else's is not even admitted to exist
    # A form that never offers another municipality refuses it as a field error (200, the form again).
    refused_by_form_field: str | None = None

    def url(self, scene):
        return self.path.format(s=scene)

    def form(self, scene):
        data = self.data(scene) if callable(self.data) else self.data
        return data or {}

    def call(self, scene, person):
        client = scene.client_for(person, api=self.api)
        data = self.form(scene)
        kwargs = {"headers": self.headers}
        if self.method == "GET":
            return client.get(self.url(scene), data, **kwargs)
        uploads = any(isinstance(v, SimpleUploadedFile) for v in data.values())
        if self.api and not uploads:  # municipal systems send JSON
            return client.generic(self.method, self.url(scene), json.dumps(data), "application/json", **kwargs)
        return getattr(client, self.method.lower())(self.url(scene), data, **kwargs)


STATUS_REFUSED = ("anonymous", "other_municipality_staff", "other_municipality_editor", "data_editor")
IMPORT_REFUSED = ("anonymous", "other_municipality_editor", "other_municipality_staff", "disaster_staff")
EVERYONE = tuple(PEOPLE)


def _shelter_choice(s):
    return f"{s.shelter.pk}:0"


ENDPOINTS = [
    # Live shelter status: the API for municipal systems and the disaster staff's pages.
    Endpoint(
        "status API: PATCH a shelter's status",
        "PATCH",
        f"/api/shelters/{{s.shelter.source_id}}/status/?municipality={SUITA}",
        {"opening_status": "open", "evacuee_count": 3},
        STATUS_REFUSED,
        api=True,
        headers={"If-Match": '"0"'},
        allowed=(200,),
        may=MAY_UPDATE_STATUS,
    ),
    Endpoint(
        "staff page: one shelter's status",
        "POST",
        "/staff/shelters/{s.shelter.pk}/",
        {"version": "0", "base_count": "0", "opening_status": "open"},
        STATUS_REFUSED,
        allowed=(200,),
        may=MAY_UPDATE_STATUS,
    ),
    Endpoint("staff page: the shelter list", "GET", "/staff/shelters/", None, ("anonymous", "data_editor")),
    Endpoint(
        "staff page: bulk choose",
        "GET",
        "/staff/shelters/bulk/",
        {"action": "open"},
        ("anonymous", "data_editor"),
        allowed=(200,),
        may=MAY_UPDATE_STATUS,
    ),
    Endpoint(
        "staff page: bulk review",
        "POST",
        "/staff/shelters/bulk/",
        lambda s: {"action": "open", "review": "1", "shelter": [str(s.shelter.pk)]},
        STATUS_REFUSED,
        allowed=(200,),
        may=MAY_UPDATE_STATUS,
    ),
    Endpoint(
        "staff page: bulk confirm",
        "POST",
        "/staff/shelters/bulk/",
        lambda s: {"action": "open", "confirm": "1", "shelter": [_shelter_choice(s)]},
        STATUS_REFUSED,
        allowed=(200,),
        may=MAY_UPDATE_STATUS,
    ),
    # The import API (token).
    Endpoint(
        "import API: upload",
        "POST",
        "/api/imports/",
        lambda s: {"file": _park_file(), "layer": "parks", "municipality": SUITA, "mode": "upsert"},
        IMPORT_REFUSED,
        api=True,
        allowed=(202,),
        may=MAY_PUBLISH,
    ),
    Endpoint("import API: a run", "GET", "/api/imports/{s.run.pk}/", None, IMPORT_REFUSED, api=True, allowed=(200,)),
    Endpoint(
        "import API: a run's preview",
        "GET",
        "/api/imports/{s.run.pk}/preview",
        None,
        IMPORT_REFUSED,
        api=True,
        allowed=(200,),
        may=MAY_PUBLISH,
    ),
    Endpoint(
        "import API: publish",
        "POST",
        "/api/imports/{s.run.pk}/publish/",
        {},
        IMPORT_REFUSED,
        api=True,
        allowed=(202,),
        may=MAY_PUBLISH,
    ),
    Endpoint(
        "import API: roll back",
        "POST",
        "/api/layers/parks/rollback/",
        {"municipality": SUITA},
        IMPORT_REFUSED,
        api=True,
        allowed=(200, 409),  # 409: nothing to roll back to, once past the permission check
        may=MAY_PUBLISH,
    ),
    # The data editors' pages.
    Endpoint(
        "staff page: import workspace",
        "GET",
        "/staff/imports/",
        None,
        ("anonymous", "disaster_staff", "other_municipality_staff"),
        allowed=(200,),
        may=MAY_PUBLISH,
    ),
    Endpoint(
        "staff page: upload",
        "POST",
        "/staff/imports/",
        lambda s: {
            "layer": Layer.objects.get(slug="parks").pk,
            "municipality": Municipality.objects.get(code=SUITA).pk,
            "mode": "upsert",
            "file": _park_file(),
        },
        IMPORT_REFUSED,
        allowed=(302,),
        may=MAY_PUBLISH,
        refused_by_form_field="municipality",
    ),
    Endpoint(
        "staff page: a run's report",
        "GET",
        "/staff/imports/{s.run.pk}/",
        None,
        IMPORT_REFUSED,
        allowed=(200,),
        may=MAY_PUBLISH,
        hidden_as_404=True,
    ),
    Endpoint(
        "staff page: a run's findings as CSV",
        "GET",
        "/staff/imports/{s.run.pk}/findings.csv",
        None,
        IMPORT_REFUSED,
        allowed=(200,),
        may=MAY_PUBLISH,
        hidden_as_404=True,
    ),
    Endpoint(
        "staff page: what publishing changes",
        "GET",
        "/staff/imports/{s.run.pk}/publish",
        None,
        IMPORT_REFUSED,
        allowed=(200,),
        may=MAY_PUBLISH,
        hidden_as_404=True,
    ),
    Endpoint(
        "staff page: publish",
        "POST",
        "/staff/imports/{s.run.pk}/publish",
        {},
        IMPORT_REFUSED,
        allowed=(302,),
        may=MAY_PUBLISH,
        hidden_as_404=True,
    ),
    Endpoint(
        "staff page: choose columns and check again",
        "POST",
        "/staff/imports/{s.run.pk}/columns",
        {},
        IMPORT_REFUSED,
        allowed=(302,),
        may=MAY_PUBLISH,
        hidden_as_404=True,
    ),
    Endpoint(
        "staff page: roll back",
        "POST",
        "/staff/imports/layers/parks/rollback",
        {"municipality": SUITA},
        IMPORT_REFUSED,
        allowed=(302,),
        may=MAY_PUBLISH,
    ),
    # The admin: every municipal account is staff (as the demo makes them), so only the models' own
    # permissions stand between them and every municipality's data.
    Endpoint(
        "admin: change a feature",
        "POST",
        "/admin/layers/feature/{s.shelter.pk}/change/",
        lambda s: {"name": "書き換え", "layer": s.shelter.layer_id, "municipality": s.shelter.municipality_id},
        EVERYONE,
    ),
    Endpoint(
        "admin: delete a feature",
        "POST",
        "/admin/layers/feature/{s.shelter.pk}/delete/",
        {"post": "yes"},
        EVERYONE,
    ),
    Endpoint(
        "admin: change a layer",
        "POST",
        "/admin/layers/layer/{s.shelter.layer_id}/change/",
        {"slug": "shelters", "name_ja": "x", "name_en": "x", "kind": "shelter", "category": "disaster"},
        EVERYONE,
    ),
    Endpoint(
        "admin: give oneself the prefecture's role",
        "POST",
        "/admin/layers/role/add/",
        lambda s: {"user": s.users.get("data_editor").pk, "name": Role.Name.PREFECTURE_ADMIN},
        EVERYONE,
    ),
    Endpoint(
        "admin: roll a layer back to a version",
        "POST",
        "/admin/importers/publishedversion/",
        lambda s: {
            "action": "roll_back_to_this_version",
            "_selected_action": [PublishedVersion.objects.filter(layer__slug="parks").order_by("version")[0].pk],
        },
        EVERYONE,
    ),
    Endpoint(
        "admin: issue a token",
        "POST",
        "/admin/authtoken/tokenproxy/add/",
        lambda s: {"user": s.users.get("data_editor").pk},
        EVERYONE,
    ),
    Endpoint(
        "admin: make oneself a superuser",
        "POST",
        "/admin/auth/user/{s.users[data_editor].pk}/change/",
        {"is_superuser": "on", "is_staff": "on", "username": "x"},
        EVERYONE,
    ),
]

CASES = [pytest.param(e, person, id=f"{e.name} / {person}") for e in ENDPOINTS for person in e.refused]


def _expected(endpoint, person, response):
    """401/403 for the API; to the login page for a page asked anonymously; 403 (or 404) otherwise."""
    if person == "anonymous":
        if endpoint.api:
            return response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
        login = "/admin/login/" if endpoint.path.startswith("/admin/") else "/accounts/login/"
        return response.status_code == 302 and response["Location"].startswith(login)
    if endpoint.refused_by_form_field and response.status_code == 200:
        return endpoint.refused_by_form_field in response.context["form"].errors
    return response.status_code in ((403, 404) if endpoint.hidden_as_404 else (403,))


@pytest.mark.parametrize("endpoint, person", CASES)
def test_refused_and_nothing_changed(scene, settings, endpoint, person):
    if "{s.run" in endpoint.path:
        assert scene.run.pk  # made by its editor before the snapshot
    before = snapshot(settings)
    response = endpoint.call(scene, person)
    assert _expected(endpoint, person, response), (response.status_code, response.get("Location"))
    run_queued_imports()  # anything a refused request had queued would be published now
    assert snapshot(settings) == before


POSITIVE = [pytest.param(e, id=e.name) for e in ENDPOINTS if e.allowed]


@pytest.mark.parametrize("endpoint", POSITIVE)
def test_the_right_person_gets_through(scene, endpoint):
    person = endpoint.may or MAY_PUBLISH
    response = endpoint.call(scene, person)
    assert response.status_code in endpoint.allowed, response.content[:300]


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.name) for e in ENDPOINTS if e.path.startswith("/admin/")])
def test_a_superuser_reaches_the_admin_pages_the_others_are_refused(scene, endpoint):
    scene.users["root"] = User.objects.create_superuser("root", password="a-long-test-password-9")
    assert scene.client_for("root").get(endpoint.url(scene)).status_code == 200


def test_municipal_staff_given_model_permissions_still_cannot_change_other_data_in_the_admin(scene, settings):
    """The admin asks layers/permissions.py too: a municipal editor granted every model permission of the
    map by mistake cannot rewrite another municipality's features, roles or versions there."""
    editor = scene.users["other_municipality_editor"]
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=("layers", "importers")))
    before = snapshot(settings)
    for endpoint in ENDPOINTS:
        if endpoint.path.startswith("/admin/layers/") or endpoint.path.startswith("/admin/importers/"):
            response = endpoint.call(scene, "other_municipality_editor")
            assert response.status_code == 403, (endpoint.name, response.status_code)
    assert snapshot(settings) == before
