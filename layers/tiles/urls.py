from django.urls import path, re_path

from . import views

# z/x/y are matched loosely and checked by params.parse_tile, so a bad one gets a JSON 400, not an HTML 404.
urlpatterns = [
    path("<slug:slug>.json", views.tilejson, name="tilejson"),
    re_path(
        r"^boundaries/municipalities/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.pbf$",
        views.boundary_tile,
        name="boundary-tile",
    ),
    re_path(
        r"^(?P<slug>[-\w]+)/clusters/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.pbf$",
        views.cluster_tile,
        name="cluster-tile",
    ),
    re_path(r"^(?P<slug>[-\w]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.pbf$", views.tile, name="tile"),
]
