"""Which features a read query selects: one WHERE clause shared by GeoJSON, OGC API and CSV export.

Column names and SQL functions are constants here; every value, including a filter's field name and a
CQL2 filter's literals, is a bound parameter.
"""

import json
from dataclasses import dataclass, field

from ..kinds.base import BOOLEAN
from . import filters as cql
from .params import PropertyFilter, is_list_field

FROM_FEATURES = """
FROM layers_feature feat
JOIN layers_municipality m ON m.id = feat.municipality_id
LEFT JOIN layers_ward w ON w.id = feat.ward_id
"""


@dataclass(frozen=True)
class Selection:
    """A layer's features narrowed by bbox, municipality, name text and property filters."""

    layer_id: int
    bbox: tuple | None = None
    municipality_code: str | None = None
    q: str | None = None
    filters: tuple[PropertyFilter, ...] = field(default_factory=tuple)
    # A CQL2 filter, parsed and checked by filters.parse_filter.
    condition: object = None
    # The SRID the bbox is in (OGC API `bbox-crs`), x = longitude or easting; features are in 4326.
    bbox_srid: int = 4326

    def where(self):
        """(SQL after WHERE, params dict)."""
        clauses = ["feat.layer_id = %(layer)s"]
        params = {"layer": self.layer_id}
        if self.bbox:
            # Intersects, not only bounding boxes: an area near a bbox is not in it (OGC API semantics).
            if self.bbox_srid == 4326:
                clauses.append(
                    "ST_Intersects(feat.geom, ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326))"
                )
            else:
                # Densified before the transform, so the box's straight edges stay where they are.
                clauses.append(
                    "ST_Intersects(feat.geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope("
                    "%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, %(bbox_srid)s), %(bbox_step)s), 4326))"
                )
                minx, miny, maxx, maxy = self.bbox
                params.update(bbox_srid=self.bbox_srid, bbox_step=max(maxx - minx, maxy - miny, 1e-6) / 32)
            params.update(zip(("minx", "miny", "maxx", "maxy"), self.bbox, strict=True))
        if self.municipality_code:
            clauses.append("m.code = %(code)s")
            params["code"] = self.municipality_code
        if self.q:
            clauses.append("(feat.name ILIKE %(q)s OR feat.name_kana ILIKE %(q)s)")
            escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["q"] = f"%{escaped}%"
        for i, f in enumerate(self.filters):
            if f.values:
                # jsonb containment answers equality and list membership alike, from the GIN index.
                docs = [json.dumps({f.field: [v] if is_list_field(f.type) else v}) for v in f.values]
                names = [f"f{i}_{j}" for j in range(len(docs))]
                clauses.append("(" + " OR ".join(f"feat.properties @> %({n})s::jsonb" for n in names) + ")")
                params.update(zip(names, docs, strict=True))
            params[f"f{i}_name"] = f.field
            if f.minimum is not None:
                clauses.append(f"(feat.properties ->> %(f{i}_name)s)::numeric >= %(f{i}_min)s")
                params[f"f{i}_min"] = f.minimum
            if f.maximum is not None:
                clauses.append(f"(feat.properties ->> %(f{i}_name)s)::numeric <= %(f{i}_max)s")
                params[f"f{i}_max"] = f.maximum
        if self.condition is not None:
            clauses.append(_ConditionSql(params).render(self.condition))
        return " AND ".join(clauses), params


# The columns every feature has (queryables.COMMON); blank text counts as null, as the importer stores it.
COLUMNS = {
    "source_id": "feat.source_id",
    "name": "nullif(feat.name, '')",
    "name_kana": "nullif(feat.name_kana, '')",
    "address": "nullif(feat.address, '')",
    "municipality": "m.code",
    "ward": "w.code",
}
SPATIAL_SQL = {
    "s_intersects": "ST_Intersects",
    "s_equals": "ST_Equals",
    "s_disjoint": "ST_Disjoint",
    "s_touches": "ST_Touches",
    "s_within": "ST_Within",
    "s_overlaps": "ST_Overlaps",
    "s_crosses": "ST_Crosses",
    "s_contains": "ST_Contains",
}


class _ConditionSql:
    """A CQL2 condition as SQL: constants from this module, every value a parameter named c0, c1, …"""

    def __init__(self, params):
        self.params = params
        self.count = 0

    def bind(self, value) -> str:
        name = f"cql{self.count}"
        self.count += 1
        self.params[name] = value
        return f"%({name})s"

    def render(self, node) -> str:
        if isinstance(node, cql.Constant):
            return "TRUE" if node.value else "FALSE"
        if isinstance(node, cql.Junction):
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join(self.render(p) for p in node.parts) + ")"
        if isinstance(node, cql.Negation):
            return f"(NOT {self.render(node.part)})"
        if isinstance(node, cql.Comparison):
            q = node.queryable
            if q.is_list:  # holds the value; jsonb containment uses the GIN index
                return f"(feat.properties @> {self.bind(json.dumps({q.name: [node.value]}))}::jsonb)"
            return f"({self.value(q)} {cql.COMPARISONS[node.op]} {self.bind(node.value)})"
        if isinstance(node, cql.Like):
            return f"({self.value(node.queryable)} LIKE {self.bind(node.pattern)})"
        if isinstance(node, cql.Between):
            low, high = self.bind(node.low), self.bind(node.high)
            return f"({self.value(node.queryable)} BETWEEN {low} AND {high})"
        if isinstance(node, cql.In):
            q = node.queryable
            if q.is_list:
                docs = [self.bind(json.dumps({q.name: [v]})) for v in node.values]
                return "(" + " OR ".join(f"feat.properties @> {d}::jsonb" for d in docs) + ")"
            return f"({self.value(q)} = ANY({self.bind(list(node.values))}))"
        if isinstance(node, cql.IsNull):
            return f"({self.value(node.queryable)} IS NULL)"
        if isinstance(node, cql.ArrayPredicate):
            return self.array(node)
        if isinstance(node, cql.SpatialPredicate):
            literal = f"ST_GeomFromText({self.bind(node.wkt)}, {self.bind(node.srid)})"
            if node.densify:
                literal = f"ST_Segmentize({literal}, {self.bind(node.densify)})"
            literal = f"ST_Transform({literal}, 4326)"
            args = ("feat.geom", literal) if node.geometry_first else (literal, "feat.geom")
            return f"{SPATIAL_SQL[node.op]}({args[0]}, {args[1]})"
        raise TypeError(f"not a condition: {node!r}")

    def value(self, q) -> str:
        """The SQL value of a scalar queryable, NULL where a feature has none (so comparisons are unknown)."""
        if q.field is None:
            return COLUMNS[q.name]
        name = self.bind(q.name)
        value, json_type = f"feat.properties -> {name}", f"jsonb_typeof(feat.properties -> {name})"
        if q.is_number:
            return f"(CASE WHEN {json_type} = 'number' THEN ({value})::numeric END)"
        if q.type == BOOLEAN:
            return f"(CASE WHEN {json_type} = 'boolean' THEN ({value})::boolean END)"
        if q.is_list:  # an empty list is no list
            return f"(CASE WHEN {json_type} = 'array' AND {value} <> '[]'::jsonb THEN {value} END)"
        return f"(feat.properties ->> {name})"

    def array(self, node) -> str:
        q = node.queryable
        name = self.bind(q.name)
        values = list(node.values)
        array = f"(CASE WHEN jsonb_typeof(feat.properties -> {name}) = 'array' THEN feat.properties -> {name} END)"
        if node.op == "a_contains":
            return f"(feat.properties @> {self.bind(json.dumps({q.name: values}))}::jsonb)"
        if node.op == "a_containedby":
            return f"({array} <@ {self.bind(json.dumps(values))}::jsonb)"
        if node.op == "a_equals":
            doc = self.bind(json.dumps(values))
            return f"({array} <@ {doc}::jsonb AND {array} @> {doc}::jsonb)"
        return f"({array} ?| {self.bind(values)}::text[])"  # a_overlaps
