from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from layers.api.catalogue import layer_catalogue
from layers.api.params import MAX_QUERY_LENGTH
from layers.models import Ward
from layers.status import vocabulary


def cluster_url_template(layer):
    path = reverse("cluster-tile", kwargs={"slug": layer["slug"], "z": "0", "x": "0", "y": "0"})
    return path.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf") + f"?v={layer['version']}"


def map_page(request):
    """The map. The page hands the JS its URLs and the catalogue, so the JS holds no API paths."""
    catalogue = layer_catalogue()
    config = {
        "basemap": {"url": settings.BASEMAP_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
        "urls": {
            "layers": reverse("layers-index"),
            "municipalities": reverse("municipalities"),
            "shelter_status": reverse("shelter-status-feed"),
            "search": reverse("search"),
            "here": reverse("here"),
        },
        # The longest `q` the search API takes (layers.api.params.parse_query_text): longer is not sent.
        "search_max_length": MAX_QUERY_LENGTH,
        "status_poll_seconds": settings.STATUS_POLL_SECONDS,
        "status_vocabulary": vocabulary.for_client(),
        # The features endpoint's largest page (FEATURES_MAX_LIMIT): the map asks for whole layers in pages of it.
        "features_page_size": settings.FEATURES_MAX_LIMIT,
        "layers": catalogue,
        # Point layers below the detail zoom: the server's clusters (layers/tiles/clusters.py), versioned like tiles.
        "cluster_urls": {
            layer["slug"]: cluster_url_template(layer) for layer in catalogue if "Point" in layer["geometry_types"]
        },
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
    return render(request, "frontend/map.html", {"map_config": config, "panels": panels})
