"""The disaster-day spike (`make loadtest`, bench/loadtest.sh): pure HTTP, no Django, no database driver.

Locust runs on gevent; this file imports nothing of the project, so psycopg2 never meets gevent's
monkey-patching. Accounts and targets come from LOAD_TARGETS (bench/load_setup.py); what the check needs
(status codes per endpoint, accepted status updates, how soon a change showed, the import) goes to
LOAD_OUT/results.json when the run ends.

- Residents open the map as the browser does (page, its static files, translations and service worker;
  catalogue, vocabulary and tile URLs from the page's config), see the first view (the whole prefecture,
  as Leaflet fits it: the municipal outlines, area and cluster tiles, 512 px tiles as the standard tile
  one zoom up where the map uses them), then pan and zoom (tiles; below zoom 13 clusters, from it the
  places in view as GeoJSON by bbox), search, ask for the nearest shelter and the hazard report, and,
  as the map does on its own timer, poll the status feed every 5 s with its ETag.
- 20 disaster-staff clients read a shelter's status and update it with If-Match; pairs share shelters,
  so some updates are stale: 409 is the right answer to those, not an error.
- A watcher writes one shelter's evacuee count and polls the feed until residents can see it.
- An editor uploads 吹田市's emergency-site list through the import API and waits for it to be published.
"""

import itertools
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
import urllib3
from locust import FastHttpUser, HttpUser, LoadTestShape, between, constant, events, task

TARGETS = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text())
OUT = Path(os.environ.get("LOAD_OUT", "var/loadtest"))
RESIDENTS = int(os.environ.get("LOAD_RESIDENTS", "500"))
RAMP_SECONDS = int(os.environ.get("LOAD_RAMP_SECONDS", "90"))
HOLD_SECONDS = int(os.environ.get("LOAD_HOLD_SECONDS", "150"))
POLL_SECONDS = 5  # the map's STATUS_POLL_SECONDS
DETAIL_ZOOM = 13  # frontend/static/frontend/js/layers.js: points as GeoJSON from this zoom, clusters below
BIG_TILES = 512  # frontend/static/frontend/js/tiles.js BIG_TILES: 512 px tiles, the standard tile one zoom up
VIEW = (412, 732)  # a phone's map in CSS pixels
ZOOM_SNAP, MIN_ZOOM = 0.5, 7  # frontend/static/frontend/js/map.js
DETAIL_PAD = 0.3  # layers.js loadDetail: the view padded by 30 % on each side
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


def world_px(lon, lat, z):
    """Leaflet's pixel coordinates of (lon, lat) at zoom z (256 px per tile at every zoom)."""
    n = 256 * 2**z
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n


def lonlat(px, py, z):
    n = 256 * 2**z
    return px / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / n))))


def js_round(value):
    return math.floor(value + 0.5)  # Math.round: halves go up


def tile_range(lon, lat, zoom, size=256):
    """The tiles of `size` px a VIEW-sized map centred on (lon, lat) at `zoom` shows, as Leaflet's
    GridLayer asks for them: at the rounded zoom, scaled for a fractional one; (z, x, y) on that grid."""
    z = js_round(zoom)
    scale = 2 ** (zoom - z)
    px, py = (math.floor(c) for c in world_px(lon, lat, z))
    half_w, half_h = VIEW[0] / (2 * scale), VIEW[1] / (2 * scale)
    x0, x1 = math.floor((px - half_w) / size), math.ceil((px + half_w) / size) - 1
    y0, y1 = math.floor((py - half_h) / size), math.ceil((py + half_h) / size) - 1
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def tile_urls(template, lon, lat, zoom, big):
    """URLs of a grid layer's tiles; a grid of 512 px tiles asks for the standard tile one zoom up."""
    if big:
        return [fill(template, z - 1, x, y) for z, x, y in tile_range(lon, lat, zoom, BIG_TILES)]
    return [fill(template, z, x, y) for z, x, y in tile_range(lon, lat, zoom)]


def padded_bbox(lon, lat, zoom):
    """map.getBounds().pad(0.3).toBBoxString(), as layers.js asks for a view's places."""
    px, py = world_px(lon, lat, zoom)
    west, north = lonlat(px - VIEW[0] / 2, py - VIEW[1] / 2, zoom)
    east, south = lonlat(px + VIEW[0] / 2, py + VIEW[1] / 2, zoom)
    dx, dy = (east - west) * DETAIL_PAD, (north - south) * DETAIL_PAD
    return f"{west - dx},{south - dy},{east + dx},{north + dy}"


def fit_zoom(bbox):
    """Leaflet's getBoundsZoom for the catalogue's box on a VIEW-sized map, snapped to ZOOM_SNAP."""
    west, south, east, north = bbox
    (x0, y0), (x1, y1) = world_px(west, north, 0), world_px(east, south, 0)
    zoom = math.log2(min(VIEW[0] / (x1 - x0), VIEW[1] / (y1 - y0)))
    zoom = round(zoom / (ZOOM_SNAP / 100)) * (ZOOM_SNAP / 100)
    return max(MIN_ZOOM, math.floor(zoom / ZOOM_SNAP) * ZOOM_SNAP)


def fill(template, z, x, y):
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


class Resident(FastHttpUser):
    wait_time = between(5, 15)  # looking at the map between moves
    weight = 1

    def on_start(self):
        self.feed_etag = None
        self.config = None
        self.poller = None
        self.open_map(first=True)

    def on_stop(self):
        if self.poller is not None:
            self.poller.kill(block=False)

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
            self.client.get(self.config["urls"]["service_worker"], name="page /service-worker.js")
        # status-feed.js: a poll at once, then one every STATUS_POLL_SECONDS, whatever the resident does.
        if self.poller is None:
            self.poller = gevent.spawn(self.poll_feed_forever)
        else:
            self.poll_feed()
        boxes = [layer["bbox"] for layer in self.config["layers"] if layer.get("bbox")]
        if boxes:
            box = [min(b[i] for b in boxes) for i in (0, 1)] + [max(b[i] for b in boxes) for i in (2, 3)]
            centre = self.config.get("home") or {"lon": (box[0] + box[2]) / 2, "lat": (box[1] + box[3]) / 2}
            self.look_at(centre["lon"], centre["lat"], fit_zoom(box))
        else:
            self.look_at(135.5, 34.69, 10)

    def poll_feed_forever(self):
        while True:
            self.poll_feed()
            gevent.sleep(self.config.get("status_poll_seconds", POLL_SECONDS))

    def poll_feed(self):
        # fetch(url, {cache: "no-cache"}): the browser revalidates with the ETag it holds.
        headers = {"If-None-Match": self.feed_etag} if self.feed_etag else {}
        response = self.client.get(self.config["urls"]["shelter_status"], headers=headers, name="status feed")
        self.feed_etag = response.headers.get("ETag") or self.feed_etag

    def look_at(self, lon, lat, zoom):
        """What the map fetches for a view: the municipal outlines, then the checked (disaster) layers'
        area tiles, cluster tiles or places, in tiles.js's and layers.js's sizes and zooms."""
        get = self.client.get
        if self.config.get("boundary_tiles"):
            for url in tile_urls(self.config["boundary_tiles"], lon, lat, zoom, big=True):
                get(url, name="tile boundaries")
        for layer in self.config["layers"]:
            if layer["category"] != "disaster":
                continue
            slug = layer["slug"]
            if "Point" in layer["geometry_types"]:
                if zoom < DETAIL_ZOOM:
                    for url in tile_urls(self.config["cluster_urls"][slug], lon, lat, zoom, big=True):
                        get(url, name=f"clusters {slug}")
                else:
                    self.places(layer, padded_bbox(lon, lat, zoom))
            else:
                min_zoom = layer.get("min_zoom") or 0
                if js_round(zoom) >= min_zoom:
                    for url in tile_urls(layer["tile_url"], lon, lat, zoom, big=min_zoom <= DETAIL_ZOOM - 1):
                        get(url, name=f"tile {slug}")

    def places(self, layer, bbox):
        """layers.js fetchAllFeatures: pages of features_page_size until a page comes back short."""
        size = self.config["features_page_size"]
        for offset in itertools.count(0, size):
            query = urlencode({"bbox": bbox, "limit": size, "offset": offset})
            response = self.client.get(
                f"{layer['features_url']}?{query}",
                headers={"Accept": "application/geo+json"},
                name=f"features {layer['slug']} (bbox)",
            )
            if response.status_code != 200 or len(response.json().get("features", ())) < size:
                return

    def somewhere(self):
        (w, s), (e, n) = POPULATED
        return random.uniform(w, e), random.uniform(s, n)  # noqa: S311 - load, not secrets

    @task(6)
    def pan_and_zoom(self):
        if self.config:
            self.look_at(*self.somewhere(), random.choice((11, 12, 13, 14, 15)))  # noqa: S311

    @task(2)
    def search(self):
        query = urlencode({"q": random.choice(SEARCHES)})  # noqa: S311
        self.client.get(f"/api/search/?{query}", name="search")

    @task(2)
    def nearest(self):
        lon, lat = self.somewhere()
        self.client.get(f"/api/nearest/?layer=shelters&lat={lat:.5f}&lon={lon:.5f}&limit=5", name="nearest")

    @task(2)
    def hazard_report(self):
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
        self.client.verify = False  # nginx on loopback has a self-signed certificate (scripts/nginx-local.py)
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

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
