"""Where a geometry lies: which municipality and ward, and whether it is inside a given one."""

from __future__ import annotations

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

    def municipality_of_code(self, code) -> str | None:
        """The municipality a 5-digit code names (a ward's code names its city); None outside the prefecture."""
        return self._owner.get(code)

    @staticmethod
    def anchor(geometry):
        """The point that decides where a feature belongs: itself, or a point inside its area."""
        return geometry if geometry.geom_type == "Point" else shapely.point_on_surface(geometry)

    def municipality_code_at(self, geometry) -> str | None:
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
        if code not in self._buffered:
            buffered = self._by_code[code].buffer(self.tolerance)
            shapely.prepare(buffered)
            self._buffered[code] = buffered
        return self._buffered[code].contains(self.anchor(geometry))
