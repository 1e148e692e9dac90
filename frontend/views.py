import functools
import hashlib
import json

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from frontend.bundle import current_bundle
from layers.api import caching
from layers.api.catalogue import current_catalogue
from layers.api.params import MAX_QUERY_LENGTH
from layers.models import Municipality, Ward
from layers.status import vocabulary
from layers.tiles import boundaries


def cluster_url_template(layer):
    path = reverse("cluster-tile", kwargs={"slug": layer["slug"], "z": "0", "x": "0", "y": "0"})
    return path.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf") + f"?v={layer['version']}"


def boundary_url_template():
    path = reverse("boundary-tile", kwargs={"z": "0", "x": "0", "y": "0"})
    return path.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf") + f"?v={boundaries.version()}"


def municipality_index():
    """Names and boxes of the 43 municipalities by code: the outlines come as tiles, the names from here."""

    def build():
        rows = Municipality.objects.annotate(box=Extent("geom")).values_list("code", "name_ja", "name_en", "box")
        return {code: {"ja": ja, "en": en, "bbox": [round(v, 5) for v in box]} for code, ja, en, box in rows}

    return caching.cached_document(f"municipality-index:{boundaries.version()}", build, timeout=3600)


def home_point(catalogue):
    """The first view's centre: the layers' box centre if it is on land in a municipality, else a point
    inside the nearest one (Osaka's box centres on the bay, where "risks at the map centre" finds nothing)."""
    boxes = [layer["bbox"] for layer in catalogue if layer["bbox"]]
    if not boxes:
        return None
    return _point_on_land(
        (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2,
        (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2,
    )


@functools.lru_cache(maxsize=16)
def _point_on_land(x, y):
    """Once per process and box centre: the distance to 43 boundaries takes ~150 ms."""
    centre = Point(x, y, srid=4326)
    if Municipality.objects.filter(geom__contains=centre).exists():
        point = centre
    else:
        nearest = Municipality.objects.annotate(d=Distance("geom", centre)).order_by("d").first()
        if nearest is None:
            return None
        point = nearest.geom.point_on_surface
    return {"lat": round(point.y, 6), "lon": round(point.x, 6)}


def map_page(request, embed=False):
    """The map. The page hands the JS its URLs and the catalogue, so the JS holds no API paths."""
    catalogue = current_catalogue()
    config = {
        "basemap": {"url": settings.BASEMAP_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
        "urls": {
            "layers": reverse("layers-index"),
            "municipalities": reverse("municipalities"),
            "shelter_status": reverse("shelter-status-feed"),
            "search": reverse("search"),
            "here": reverse("here"),
            "hazards_at": reverse("hazards-at"),
            "service_worker": reverse("service-worker"),
        },
        # The longest `q` the search API takes (layers.api.params.parse_query_text): longer is not sent.
        "search_max_length": MAX_QUERY_LENGTH,
        "home": home_point(catalogue),
        "status_poll_seconds": settings.STATUS_POLL_SECONDS,
        "status_vocabulary": vocabulary.for_client(),
        # The features endpoint's largest page (FEATURES_MAX_LIMIT): the map asks for whole layers in pages of it.
        "features_page_size": settings.FEATURES_MAX_LIMIT,
        "layers": catalogue,
        # Point layers below the detail zoom: the server's clusters (layers/tiles/clusters.py), versioned like tiles.
        "cluster_urls": {
            layer["slug"]: cluster_url_template(layer) for layer in catalogue if "Point" in layer["geometry_types"]
        },
        # The municipal outlines as vector tiles (layers/tiles/boundaries.py); names and boxes by code.
        "boundary_tiles": boundary_url_template(),
        "municipalities": municipality_index(),
        # 31 wards of 大阪市 and 堺市: features carry a ward code, the popups show its name.
        "wards": {
            code: {"ja": ja, "en": en} for code, ja, en in Ward.objects.values_list("code", "name_ja", "name_en")
        },
    }
    # The toolbar's panels, in the order of its buttons; short names, five of them fit a 360 px phone.
    panels = [
        ("layers", _("Layers")),
        ("filters", _("Filters")),
        ("legend", _("Legend")),
        ("list", _("List")),
        ("here", _("Here")),
    ]
    # Every module preloaded at once, rather than found level by level as main.js imports them
    # (three round trips on a slow phone network).
    bundle = current_bundle()
    modules = [path for path in SHELL_STATIC if path.startswith("frontend/js/") and path != "frontend/js/main.js"]
    context = {
        "map_config": config,
        "panels": panels,
        "embed": embed,
        "bundle": bundle,
        "modules": [] if bundle else modules,
    }
    return render(request, "frontend/map.html", context)


def embed_page(request):
    """The map for other sites' pages (`/embed/?layers=…&municipality=…&at=…`), without the title bar.

    Which sites may frame it is the EMBED_FRAME_ANCESTORS setting, applied to /embed/ by
    mapapp.middleware.EmbedFraming (CSP frame-ancestors); every other page refuses framing.
    """
    return map_page(request, embed=True)


# The app shell a service worker keeps: the page's styles, scripts and the modules they import.
SHELL_STATIC = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "frontend/css/map.css",
    *(
        f"frontend/js/{name}.js"
        for name in (
            "filters", "here", "i18n", "layers", "legend", "list-view", "main", "map", "mvt",
            "panels", "permalink", "popup", "report-panel", "search", "status-feed", "styles", "tiles",
        )
    ),
)  # fmt: skip


@cache_control(no_cache=True)
def service_worker(request):
    """/service-worker.js at the site's root, so it may look after the map page (its scope is /)."""
    # With a current bundle the page loads it alone; else the modules.
    bundle = current_bundle()
    files = [p for p in SHELL_STATIC if not (bundle and p.startswith("frontend/js/"))] + ([bundle] if bundle else [])
    shell = [reverse("map"), reverse("javascript-catalog"), *(static(path) for path in files)]
    network_first = [
        reverse("map"),
        reverse("embed"),
        reverse("javascript-catalog"),
        reverse("layers-index"),
        reverse("municipalities"),
    ]
    context = {
        "cache_name_json": json.dumps("map-" + hashlib.blake2b("\n".join(shell).encode(), digest_size=6).hexdigest()),
        "shell_json": json.dumps(shell),
        "network_first_json": json.dumps(network_first),
        "status_feed_json": json.dumps(reverse("shelter-status-feed")),
    }
    return render(request, "frontend/service-worker.js", context, content_type="text/javascript")
