"""CQL2 filters (OGC API - Features Part 3, `filter` and `filter-lang`), for the OGC API and the GeoJSON/CSV API.

cql2 (developmentseed's cql2-rs, the parser tipg and stac-fastapi use) parses cql2-text and cql2-json and
checks the result against the standard's JSON Schema. Here the parsed tree is checked against the layer's
queryables (unknown property → 400), its literals against each queryable's type, and it becomes a tree
of conditions that `selection.Selection` renders into SQL with every value bound.

Supported: comparisons (= <> < > <= >=), LIKE, BETWEEN, IN, IS NULL, AND/OR/NOT, TRUE/FALSE; the
A_EQUALS/A_CONTAINS/A_CONTAINEDBY/A_OVERLAPS array functions on list fields; the eight S_ spatial functions
with a geometry or BBOX literal (in `filter-crs`, CRS84 unless told). A list field compared with `=` or
`IN` matches when it holds the value (any of them), as the GeoJSON API's `disaster=flood` does.
"""

import json
import math
from dataclasses import dataclass

import cql2
import shapely
import shapely.errors
import shapely.ops
from shapely.geometry import box, shape

from ..kinds.base import BOOLEAN, CODE, INTEGER, STRING
from .errors import InvalidParameter
from .queryables import GEOMETRY, Queryable, queryables

# "cql-text" is the pre-1.0 name that GDAL up to 3.6 sends (its OAPIF driver reads it from the filter-lang enum).
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")
MAX_FILTER_LENGTH = 10_000
MAX_DEPTH = 40
MAX_LIST = 500

COMPARISONS = {"=": "=", "<>": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
# `5 < capacity` is `capacity > 5`.
_MIRRORED = {"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
ARRAY_FUNCTIONS = ("a_equals", "a_contains", "a_containedby", "a_overlaps")
SPATIAL_FUNCTIONS = (
    "s_intersects",
    "s_equals",
    "s_disjoint",
    "s_touches",
    "s_within",
    "s_overlaps",
    "s_crosses",
    "s_contains",
)


# ---------------------------------------------------------------- conditions (rendered by selection.py)


@dataclass(frozen=True)
class Constant:
    value: bool


@dataclass(frozen=True)
class Junction:
    op: str  # "and" or "or"
    parts: tuple


@dataclass(frozen=True)
class Negation:
    part: object


@dataclass(frozen=True)
class Comparison:
    queryable: Queryable
    op: str  # one of COMPARISONS; on a list field only "=" (holds the value)
    value: object


@dataclass(frozen=True)
class Like:
    queryable: Queryable
    pattern: str


@dataclass(frozen=True)
class Between:
    queryable: Queryable
    low: float
    high: float


@dataclass(frozen=True)
class In:
    queryable: Queryable
    values: tuple


@dataclass(frozen=True)
class IsNull:
    queryable: Queryable


@dataclass(frozen=True)
class ArrayPredicate:
    op: str  # one of ARRAY_FUNCTIONS
    queryable: Queryable
    values: tuple


@dataclass(frozen=True)
class SpatialPredicate:
    op: str  # one of SPATIAL_FUNCTIONS
    wkt: str  # x = longitude/easting, in `srid`
    srid: int
    geometry_first: bool  # S_WITHIN(geometry, literal) rather than S_WITHIN(literal, geometry)
    densify: float | None = None  # a BBOX in a projected CRS: segment length, so its edges stay straight lines


@dataclass(frozen=True)
class FilterCrs:
    """Where geometry literals are: CRS84 unless `filter-crs` says otherwise (see layers.ogc.crs)."""

    srid: int = 4326
    northing_first: bool = False
    geographic: bool = True


# ---------------------------------------------------------------- parsing


def _bad(message):
    return InvalidParameter(message, parameter="filter")


def parse_filter(text, language, kind, crs: FilterCrs | None = None):
    """The condition a `filter` parameter states, or None when absent; a 400 when it is malformed, names a
    property that is not queryable or compares a property with a value of another type."""
    if text in (None, ""):
        return None
    language = (language or "cql2-text").strip().lower()
    if language not in LANGUAGES:
        raise InvalidParameter(f"filter-lang must be cql2-text or cql2-json, not {language!r}", parameter="filter-lang")
    if len(text) > MAX_FILTER_LENGTH:
        raise _bad(f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    try:
        if language == "cql2-json":
            try:
                document = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise _bad(f"the filter is not JSON: {exc}") from None
            _check_depth(document)
            expression = cql2.Expr(document)
        else:
            expression = cql2.parse_text(text)
        expression.validate()
        tree = expression.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip().strip("|^-"))
        raise _bad(f"the filter is not valid {language}: {detail[:300]}") from None
    _check_depth(tree)
    return _Translator(queryables(kind), crs or FilterCrs()).condition(tree)


def _check_depth(node, depth=0):
    if depth > MAX_DEPTH:
        raise _bad(f"the filter nests deeper than {MAX_DEPTH} levels")
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        _check_depth(child, depth + 1)


class _Translator:
    def __init__(self, known: dict[str, Queryable], crs: FilterCrs):
        self.known = known
        self.crs = crs

    def condition(self, node):
        if isinstance(node, bool):
            return Constant(node)
        if not isinstance(node, dict) or not isinstance(node.get("op"), str):
            raise _bad("a filter must be a predicate (a comparison, LIKE, IN, a spatial function, …)")
        op = node["op"].lower()
        args = node.get("args") or []
        if op in ("and", "or"):
            return Junction(op, tuple(self.condition(a) for a in args))
        if op == "not":
            return Negation(self.condition(args[0]))
        if op in COMPARISONS:
            return self.comparison(op, args)
        if op == "like":
            q = self.property(args[0], "LIKE")
            if q.type not in (STRING, CODE) or not isinstance(args[1], str):
                raise _bad(f"LIKE compares a text property with a text pattern; {q.name} is {q.type}")
            return Like(q, args[1])
        if op == "between":
            q = self.property(args[0], "BETWEEN")
            if not q.is_number:
                raise _bad(f"BETWEEN needs a numeric property; {q.name} is {q.type}")
            low, high = (self.number(q, v) for v in args[1:3])
            return Between(q, low, high)
        if op == "in":
            q = self.property(args[0], "IN")
            values = args[1] if isinstance(args[1], list) else [args[1]]
            if not values or len(values) > MAX_LIST:
                raise _bad(f"IN takes 1 to {MAX_LIST} values")
            return In(q, tuple(self.value(q, v, "=") for v in values))
        if op == "isnull":
            return IsNull(self.property(args[0], "IS NULL"))
        if op in ARRAY_FUNCTIONS:
            return self.array_function(op, args)
        if op in SPATIAL_FUNCTIONS:
            return self.spatial(op, args)
        raise _bad(
            f"{node['op']!r} is not supported here; filters take comparisons, LIKE, BETWEEN, IN, IS NULL, "
            "AND/OR/NOT, the A_ array functions and the S_ spatial functions"
        )

    def property(self, node, operator):
        if not (isinstance(node, dict) and set(node) == {"property"}):
            raise _bad(f"{operator} needs a property (a queryable) as its first operand")
        name = node["property"]
        q = self.known.get(name)
        if q is None:
            raise InvalidParameter(
                f"unknown property {name!r}; this collection's queryables are {', '.join(self.known)}",
                parameter="filter",
                code="unknown_property",
            )
        if q.type == GEOMETRY and operator != "spatial":
            raise _bad(f"{name} is the geometry: filter it with a spatial function such as S_INTERSECTS")
        return q

    def comparison(self, op, args):
        left, right = args
        if _is_property(right) and not _is_property(left):
            left, right, op = right, left, _MIRRORED[op]
        q = self.property(left, op)
        if _is_property(right):
            raise _bad("comparing two properties is not supported; compare a property with a value")
        if q.is_list and op != "=":
            raise _bad(f"{q.name} is a list: use =, IN or an A_ array function")
        if q.type == BOOLEAN and op not in ("=", "<>"):
            raise _bad(f"{q.name} is true or false: compare it with = or <>")
        return Comparison(q, op, self.value(q, right, op))

    def value(self, q, literal, op):
        """A literal as a value of `q`'s type; a code is checked against the code list for = and <>."""
        if literal is None or isinstance(literal, (dict, list)):
            kind = "null (use IS NULL)" if literal is None else "a temporal or structured literal"
            raise _bad(f"{q.name} cannot be compared with {kind}")
        if q.is_number:
            return self.number(q, literal)
        if q.type == BOOLEAN:
            if not isinstance(literal, bool):
                raise _bad(f"{q.name} is true or false, not {literal!r}")
            return literal
        if not isinstance(literal, str):
            raise _bad(f"{q.name} is text: quote the value ('{literal}')")
        if q.codes and op in ("=", "<>"):
            code = q.field.code(literal)
            if code is None:
                known = ", ".join(c.value for c in q.codes)
                raise _bad(f"{q.name}: {literal!r} is not one of {known}")
            return code.value
        return literal

    def number(self, q, literal):
        if isinstance(literal, bool) or not isinstance(literal, (int, float)) or not math.isfinite(literal):
            raise _bad(f"{q.name} is a number, not {literal!r}")
        if q.type == INTEGER and literal == int(literal):
            return int(literal)
        return float(literal)

    def array_function(self, op, args):
        q = self.property(args[0], op.upper())
        if not q.is_list:
            raise _bad(f"{op.upper()} needs a list property; {q.name} is {q.type}")
        values = args[1] if isinstance(args[1], list) else [args[1]]
        if len(values) > MAX_LIST:
            raise _bad(f"{op.upper()} takes at most {MAX_LIST} values")
        return ArrayPredicate(op, q, tuple(self.value(q, v, "=") for v in values))

    def spatial(self, op, args):
        first, second = args
        geometry_first = _is_property(first)
        prop, literal = (first, second) if geometry_first else (second, first)
        q = self.property(prop, "spatial")
        if q.type != GEOMETRY:
            raise _bad(f"{op.upper()} compares the geometry with a geometry; {q.name} is not the geometry")
        wkt, densify = self.geometry(literal, op)
        return SpatialPredicate(op, wkt, self.crs.srid, geometry_first, densify)

    def geometry(self, literal, op):
        """(WKT with x = longitude/easting, segment length for a projected BBOX or None)."""
        if isinstance(literal, dict) and isinstance(literal.get("op"), str) and literal["op"].lower() == "envelope":
            literal = {"bbox": literal.get("args")}
        try:
            if isinstance(literal, dict) and "bbox" in literal:
                values = [float(v) for v in literal["bbox"]]
                if len(values) == 6:
                    values = [values[0], values[1], values[3], values[4]]
                if len(values) != 4:
                    raise ValueError("a BBOX has four numbers")
                if self.crs.northing_first:
                    values = [values[1], values[0], values[3], values[2]]
                geometry = box(*values)
                # CQL2 BBOX: minimum axis 1, minimum axis 2, maximum axis 1, maximum axis 2.
                if values[0] > values[2] or values[1] > values[3]:
                    raise ValueError("a BBOX's minimum is greater than its maximum")
            elif isinstance(literal, dict) and "type" in literal:
                geometry = shape(literal)
                if self.crs.northing_first:
                    geometry = shapely.ops.transform(lambda x, y, z=None: (y, x), geometry)
            else:
                raise ValueError("expected a geometry literal (POINT, POLYGON, …, BBOX)")
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
            raise _bad(f"{op.upper()}: {exc}") from None
        if geometry.is_empty or not geometry.is_valid:
            raise _bad(f"{op.upper()}: the geometry is empty or not valid ({shapely.is_valid_reason(geometry)})")
        minx, miny, maxx, maxy = geometry.bounds
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
            raise _bad(f"{op.upper()}: coordinates must be finite numbers")
        if self.crs.geographic and not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise _bad(f"{op.upper()}: coordinates are outside longitude −180..180, latitude −90..90")
        if not self.crs.geographic and max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > 10_000_000:
            raise _bad(f"{op.upper()}: coordinates are more than 10,000 km from the zone's origin")
        densify = None
        if not self.crs.geographic and isinstance(literal, dict) and "bbox" in literal:
            densify = max(maxx - minx, maxy - miny, 1.0) / 32
        return shapely.to_wkt(geometry, rounding_precision=-1), densify


def _is_property(node):
    return isinstance(node, dict) and set(node) == {"property"}
