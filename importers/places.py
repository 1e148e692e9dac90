"""Where a geometry lies: which municipality and ward, and whether it is inside a given one."""

from __future__ import annotations

import numpy as np
import shapely
from shapely import STRtree

from layers.models import Municipality, Ward

# Positions in open data are often geocoded to a building entrance or a road just across a border.
DEFAULT_TOLERANCE_METRES = 200
METRES_PER_DEGREE = 111_000


class Places:
    def __init__(self, tolerance_metres=DEFAULT_TOLERANCE_METRES):
        self.tolerance = tolerance_metres / METRES_PER_DEGREE
        self.municipalities = list(Municipality.objects.order_by("code").values_list("code", "geom"))
        self.wards = list(Ward.objects.order_by("code").values_list("code", "municipality__code", "geom"))
        self._m_geoms = [shapely.from_wkb(bytes(g.wkb)) for _, g in self.municipalities]
        self._w_geoms = [shapely.from_wkb(bytes(g.wkb)) for _, _, g in self.wards]
        self._m_tree = STRtree(self._m_geoms)
        self._w_tree = STRtree(self._w_geoms) if self._w_geoms else None
        self._by_code = {code: geom for (code, _), geom in zip(self.municipalities, self._m_geoms, strict=True)}
        self._buffered = {}
        self.names = dict(Municipality.objects.values_list("code", "name_ja"))
        # A ward's code stands for its city: 大阪市北区 27127 is in 大阪市 27100.
        self._owner = {code: code for code in self._by_code} | {code: parent for code, parent, _ in self.wards}
        # For many lookups at once: the boundaries prepared (a prepared polygon tests points fast).
        self._m_array = np.array(self._m_geoms, dtype=object)
        self._w_array = np.array(self._w_geoms, dtype=object)
        shapely.prepare(self._m_array)
        shapely.prepare(self._w_array)
        self._known = {}  # id(geometry) -> (geometry, municipality code, ward answer, (code, inside)), see look_up

    def look_up(self, geometries, code=None):
        """Find where many geometries lie with one tree query each for municipalities and wards, so that
        `municipality_code_at`, `ward_code_at` and `within_municipality` answer them without a query of
        their own. Only clear answers are kept (a municipality hit, exactly one ward); the rest, e.g. a
        point near a border, is looked up one by one as before. Replaces what was looked up before."""
        self._known = {}
        geometries = np.asarray(geometries, dtype=object)
        if not len(geometries):
            return
        points = shapely.get_type_id(geometries) == 0
        anchors = geometries.copy()
        anchors[~points] = shapely.point_on_surface(geometries[~points])
        municipality = np.full(len(anchors), len(self.municipalities))
        where, hit = self._intersecting(self._m_tree, self._m_array, anchors)
        np.minimum.at(municipality, where, hit)
        ward = [None] * len(anchors)
        if self._w_tree is not None:
            # What ward_code_at would go through: the one ward a point is in, or when it is in none, the
            # one nearest within the tolerance, or none at all. Several (a point on a border) stay open.
            where, hit = self._intersecting(self._w_tree, self._w_array, anchors)
            counts = np.bincount(where, minlength=len(anchors))
            for i, j in zip(where[counts[where] == 1], hit[counts[where] == 1], strict=True):
                ward[i] = ("in", int(j))
            outside = np.flatnonzero(counts == 0)
            near, hit = self._w_tree.query_nearest(anchors[outside], max_distance=self.tolerance)
            near_counts = np.bincount(near, minlength=len(outside))
            for k in np.flatnonzero(near_counts == 0):
                ward[outside[k]] = ("none",)
            for k, j in zip(near[near_counts[near] == 1], hit[near_counts[near] == 1], strict=True):
                ward[outside[k]] = ("near", int(j))
        inside = None
        if code is not None:
            inside = shapely.contains(self._buffered_municipality(code), anchors)
        for i, geometry in enumerate(geometries):
            found = municipality[i]  # the lowest of the municipalities it is in, as municipality_code_at takes
            self._known[id(geometry)] = (
                geometry,
                self.municipalities[found][0] if found < len(self.municipalities) else None,
                ward[i],
                (code, bool(inside[i])) if inside is not None else None,
            )

    def municipality_of_code(self, code) -> str | None:
        """The municipality a 5-digit code names (a ward's code names its city); None outside the prefecture."""
        return self._owner.get(code)

    @staticmethod
    def anchor(geometry):
        """The point that decides where a feature belongs: itself, or a point inside its area."""
        return geometry if geometry.geom_type == "Point" else shapely.point_on_surface(geometry)

    @staticmethod
    def _intersecting(tree, prepared, anchors):
        """(anchor index, tree index) of every anchor and boundary that intersect."""
        where, hit = tree.query(anchors)
        hits = shapely.intersects(prepared[hit], anchors[where])
        return where[hits], hit[hits]

    def municipality_code_at(self, geometry) -> str | None:
        known = self._known.get(id(geometry))
        if known is not None and known[0] is geometry and known[1] is not None:
            return known[1]
        point = self.anchor(geometry)
        hits = self._m_tree.query(point, predicate="intersects")
        if len(hits):
            return self.municipalities[int(min(hits))][0]
        index, distance = self._m_tree.query_nearest(point, return_distance=True, all_matches=False)
        if len(index) and distance[0] <= self.tolerance:
            return self.municipalities[int(index[0])][0]
        return None

    def ward_code_at(self, geometry, municipality_code) -> str | None:
        if self._w_tree is None:
            return None
        known = self._known.get(id(geometry))
        if known is not None and known[0] is geometry and known[2] is not None:
            how, *index = known[2]
            if how == "none":
                return None
            code, parent, _ = self.wards[index[0]]
            if parent == municipality_code:
                return code
            if how == "near":
                return None
        point = self.anchor(geometry)
        for i in self._w_tree.query(point, predicate="intersects"):
            code, parent, _ = self.wards[int(i)]
            if parent == municipality_code:
                return code
        index = self._w_tree.query_nearest(point, max_distance=self.tolerance)
        for i in index:
            code, parent, _ = self.wards[int(i)]
            if parent == municipality_code:
                return code
        return None

    def metres_outside(self, geometry, code) -> float:
        """Roughly how far (m) the feature's anchor lies outside the municipality; 0 when inside."""
        return self._by_code[code].distance(self.anchor(geometry)) * METRES_PER_DEGREE

    def within_municipality(self, geometry, code) -> bool:
        """Inside the municipality, allowing the tolerance at its border."""
        known = self._known.get(id(geometry))
        if known is not None and known[0] is geometry and known[3] is not None and known[3][0] == code:
            return known[3][1]
        return self._buffered_municipality(code).contains(self.anchor(geometry))

    def _buffered_municipality(self, code):
        if code not in self._buffered:
            buffered = self._by_code[code].buffer(self.tolerance)
            shapely.prepare(buffered)
            self._buffered[code] = buffered
        return self._buffered[code]
