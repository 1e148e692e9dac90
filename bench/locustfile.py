"""The disaster-day spike (`make loadtest`, bench/loadtest.sh): pure HTTP, no Django, no database driver.

Locust runs on gevent; this file imports nothing of the project, so psycopg2 never meets gevent's
monkey-patching. Accounts and targets come from LOAD_TARGETS (bench/load_setup.py); what the check needs
(status codes per endpoint, accepted status updates, how soon a change showed, the import) goes to
LOAD_OUT/results.json when the run ends.

- Residents open the map as the browser does (page, its static files, catalogue and vocabulary from the
  page's config, municipalities, the tiles and cluster tiles of the first view at the URLs the map
  builds), then pan and zoom (tiles below zoom 13, the places in view as GeoJSON from it), search, ask
  for the nearest shelter and the hazard report, and poll the status feed every 5 s with its ETag.
- 20 disaster-staff clients read a shelter's status and update it with If-Match; pairs share shelters,
  so some updates are stale: 409 is the right answer to those, not an error.
- A watcher writes one shelter's evacuee count and polls the feed until residents can see it.
- An editor uploads 吹田市's emergency-site list through the import API and waits for it to be published.
"""

import json
import math
import os
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

import gevent
from locust import FastHttpUser, HttpUser, LoadTestShape, between, constant, events, task

TARGETS = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text())
OUT = Path(os.environ.get("LOAD_OUT", "var/loadtest"))
RESIDENTS = int(os.environ.get("LOAD_RESIDENTS", "500"))
RAMP_SECONDS = int(os.environ.get("LOAD_RAMP_SECONDS", "90"))
HOLD_SECONDS = int(os.environ.get("LOAD_HOLD_SECONDS", "150"))
POLL_SECONDS = 5  # the map's STATUS_POLL_SECONDS
DETAIL_ZOOM = 13  # frontend/static/frontend/js/layers.js: points as GeoJSON from this zoom, clusters below
VIEW = (412, 732)  # a phone's map in CSS pixels
# Where people live: most views fall on the built-up part of the prefecture.
POPULATED = ((135.35, 34.45), (135.65, 34.85))
SEARCHES = ("吹田", "小学校", "中学校", "公園", "すいた", "とよなか", "Sakai", "市民センター", "体育館", "大阪城")
CONFIG = re.compile(r'<script id="map-config" type="application/json">(.*?)</script>', re.S)
STATIC = re.compile(r'(?:src|href)="(/static/[^"]+)"')

results = {
    "codes": defaultdict(Counter),  # "METHOD name" → status → count
    "accepted": [],  # [municipality, id, version] of every status update answered 2xx
    "conflicts": 0,
    "visibility": [],  # seconds from an accepted update to the feed showing it
    "import": {},
    "started": time.time(),
}


@events.request.add_listener
def _count(request_type, name, response=None, exception=None, **_):
    code = getattr(response, "status_code", None) or 0
    results["codes"][f"{request_type} {name}"][str(code)] += 1


@events.quitting.add_listener
def _write(environment, **_):
    OUT.mkdir(parents=True, exist_ok=True)
    results["finished"] = time.time()
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


def tile_range(lon, lat, z):
    """The tiles a VIEW-sized map centred on (lon, lat) at zoom z shows, as Leaflet asks for them."""
    n = 2**z
    px = (lon + 180) / 360 * n * 256
    py = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n * 256
    x0, x1 = int((px - VIEW[0] / 2) // 256), int((px + VIEW[0] / 2) // 256)
    y0, y1 = int((py - VIEW[1] / 2) // 256), int((py + VIEW[1] / 2) // 256)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def view_bbox(lon, lat, z):
    degrees_per_px = 360 / (256 * 2**z)
    dx, dy = VIEW[0] / 2 * degrees_per_px, VIEW[1] / 2 * degrees_per_px * math.cos(math.radians(lat))
    return f"{lon - dx:.5f},{lat - dy:.5f},{lon + dx:.5f},{lat + dy:.5f}"


def fill(template, z, x, y):
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


class Resident(FastHttpUser):
    wait_time = between(5, 15)  # looking at the map between moves
    weight = 1

    def on_start(self):
        self.feed_etag = None
        self.last_poll = 0.0
        self.config = None
        self.open_map(first=True)

    def open_map(self, first=False):
        response = self.client.get("/", name="page /")
        found = CONFIG.search(response.text or "")
        if not found:
            return
        self.config = json.loads(found.group(1))
        if first:  # a first visit downloads the app shell; later ones have it cached for a year
            for path in dict.fromkeys(STATIC.findall(response.text)):
                self.client.get(path, name="static")
            self.client.get("/jsi18n/", name="page /jsi18n/")
        self.client.get(self.config["urls"]["municipalities"], name="api municipalities")
        self.poll_feed(force=True)
        centre = self.config.get("home") or {"lat": 34.69, "lon": 135.5}
        self.look_at(centre["lon"], centre["lat"], 10)

    def poll_feed(self, force=False):
        if not self.config or (not force and time.monotonic() - self.last_poll < POLL_SECONDS):
            return
        self.last_poll = time.monotonic()
        headers = {"If-None-Match": self.feed_etag} if self.feed_etag else {}
        response = self.client.get(self.config["urls"]["shelter_status"], headers=headers, name="status feed")
        self.feed_etag = response.headers.get("ETag") or self.feed_etag

    def look_at(self, lon, lat, z):
        """What the map fetches for a view: the checked (disaster) layers' tiles, clusters or places."""
        for layer in self.config["layers"]:
            if layer["category"] != "disaster":
                continue
            slug = layer["slug"]
            if "Point" in " ".join(layer["geometry_types"]):
                if z < DETAIL_ZOOM:
                    for z_, x, y in tile_range(lon, lat, z):
                        self.client.get(fill(self.config["cluster_urls"][slug], z_, x, y), name=f"clusters {slug}")
                else:
                    query = urlencode({"bbox": view_bbox(lon, lat, z), "limit": self.config["features_page_size"]})
                    self.client.get(f"{layer['features_url']}?{query}", name=f"features {slug} (bbox)")
            elif z >= (layer.get("min_zoom") or 0):
                for z_, x, y in tile_range(lon, lat, z):
                    self.client.get(fill(layer["tile_url"], z_, x, y), name=f"tile {slug}")

    def somewhere(self):
        (w, s), (e, n) = POPULATED
        return random.uniform(w, e), random.uniform(s, n)  # noqa: S311 - load, not secrets

    @task(6)
    def pan_and_zoom(self):
        self.poll_feed()
        if self.config:
            self.look_at(*self.somewhere(), random.choice((11, 12, 13, 14, 15)))  # noqa: S311

    @task(2)
    def search(self):
        self.poll_feed()
        query = urlencode({"q": random.choice(SEARCHES)})  # noqa: S311
        self.client.get(f"/api/search/?{query}", name="search")

    @task(2)
    def nearest(self):
        self.poll_feed()
        lon, lat = self.somewhere()
        self.client.get(f"/api/nearest/?layer=shelters&lat={lat:.5f}&lon={lon:.5f}&limit=5", name="nearest")

    @task(2)
    def hazard_report(self):
        self.poll_feed()
        lon, lat = self.somewhere()
        self.client.get(f"/api/hazards/at/?lat={lat:.5f}&lon={lon:.5f}", name="hazard report")

    @task(1)
    def reload(self):
        self.open_map()


class Staff(FastHttpUser):
    """A disaster-staff client of a municipal system: read a shelter, think, update it with If-Match."""

    fixed_count = 20
    wait_time = between(1, 3)
    accounts = list(TARGETS["staff"])

    def on_start(self):
        me = Staff.accounts.pop() if Staff.accounts else random.choice(TARGETS["staff"])  # noqa: S311
        self.shelters = me["shelters"]
        self.auth = {"Authorization": f"Token {me['token']}"}

    @task
    def update_status(self):
        shelter = random.choice(self.shelters)  # noqa: S311
        url = f"/api/shelters/{quote(shelter['id'])}/status/?municipality={shelter['municipality']}"
        response = self.client.get(url, headers=self.auth, name="staff status GET")
        if response.status_code != 200:
            return
        gevent.sleep(random.uniform(0.2, 1.5))  # noqa: S311 - reading the screen
        change = {
            "opening_status": random.choice(("open", "open", "open", "not_open")),  # noqa: S311
            "evacuee_count": random.randint(0, 400),  # noqa: S311
        }
        update(self.client, url, response.headers.get("ETag"), change, self.auth, "staff status PATCH")


def update(client, url, etag, change, auth, name):
    """PATCH with If-Match; returns the new state, or None. A 409 (stale) counts as a correct answer."""
    headers = {**auth, "If-Match": etag or '"0"', "Content-Type": "application/json"}
    with client.request("PATCH", url, data=json.dumps(change), headers=headers, name=name, catch_response=True) as r:
        if r.status_code == 200:
            state = r.json()
            results["accepted"].append([state["municipality"], state["id"], state["version"]])
            r.success()
            return state
        if r.status_code == 409:
            results["conflicts"] += 1
            r.success()
        else:
            r.failure(f"HTTP {r.status_code}")
    return None


class Watcher(FastHttpUser):
    """Writes one shelter's evacuee count, then polls the feed as the map does until the new count shows."""

    fixed_count = 1
    wait_time = constant(8)

    def on_start(self):
        self.shelter = TARGETS["watcher"]["shelter"]
        self.auth = {"Authorization": f"Token {TARGETS['watcher']['token']}"}
        self.count = random.randint(1000, 5000)  # noqa: S311

    @task
    def write_and_watch(self):
        url = f"/api/shelters/{quote(self.shelter['id'])}/status/?municipality={self.shelter['municipality']}"
        response = self.client.get(url, headers=self.auth, name="watcher status GET")
        if response.status_code != 200:
            return
        self.count += 1
        change = {"opening_status": "open", "evacuee_count": self.count}
        state = update(self.client, url, response.headers.get("ETag"), change, self.auth, "watcher status PATCH")
        if state is None:
            return
        written, etag = time.monotonic(), None
        while time.monotonic() - written < 30:
            headers = {"If-None-Match": etag} if etag else {}
            feed = self.client.get("/api/shelters/status/", headers=headers, name="status feed (watcher)")
            if feed.status_code == 200:
                etag = feed.headers.get("ETag")
                shown = {(s["municipality"], s["id"]): s["count"] for s in feed.json()["shelters"]}
                if shown.get((self.shelter["municipality"], self.shelter["id"])) == self.count:
                    results["visibility"].append(round(time.monotonic() - written, 3))
                    return
            gevent.sleep(0.5)
        results["visibility"].append(None)  # never seen within 30 s


class Editor(HttpUser):
    """One data editor publishing an import through the API while the spike is on."""

    fixed_count = 1
    wait_time = constant(1)
    start_after = int(os.environ.get("LOAD_IMPORT_AFTER_SECONDS", "60"))

    def on_start(self):
        self.done = False
        self.auth = {"Authorization": f"Token {TARGETS['editor']['token']}"}

    @task
    def publish(self):
        if self.done:
            gevent.sleep(60)
            return
        gevent.sleep(max(0, results["started"] + self.start_after - time.time()))
        self.done = True
        target = TARGETS["editor"]
        path = Path(target["file"])
        form = {"layer": target["layer"], "municipality": target["municipality"], "mode": "replace", "dry_run": "false"}
        record = results["import"]
        record["uploaded_at"] = time.time() - results["started"]
        with open(path, "rb") as fh:
            response = self.client.post(
                "/api/imports/", data=form, files={"file": (path.name, fh)}, headers=self.auth, name="import POST"
            )
        if response.status_code != 202:
            record["error"] = f"upload: HTTP {response.status_code} {response.text[:300]}"
            return
        run = self.wait_for(
            response.json()["url"],
            "import dry run GET",
            until=lambda run: run.get("publish_runs") or run.get("status") in ("refused", "failed"),
        )
        record["dry_run"] = {k: run.get(k) for k in ("id", "status", "counts")}
        if not run.get("publish_runs"):
            record["error"] = "the dry run queued no publish"
            return
        published = self.wait_for(f"/api/imports/{run['publish_runs'][0]}/", "import publish GET")
        record["publish"] = {k: published.get(k) for k in ("id", "status", "published_version", "counts")}
        record["published_at"] = time.time() - results["started"]

    def wait_for(self, url, name, until=lambda run: run.get("status") not in ("queued", "running"), timeout=240):
        deadline = time.time() + timeout
        run = {}
        while time.time() < deadline:
            run = self.client.get(url, headers=self.auth, name=name).json()
            if until(run):
                break
            gevent.sleep(1)
        return run


class Spike(LoadTestShape):
    """Ramp to RESIDENTS (+ the 22 fixed clients) over RAMP_SECONDS, hold for HOLD_SECONDS, stop."""

    def tick(self):
        elapsed = self.get_run_time()
        if elapsed > RAMP_SECONDS + HOLD_SECONDS:
            return None
        total = RESIDENTS + 22
        return total, max(1.0, total / RAMP_SECONDS)
