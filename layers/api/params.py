"""Query-parameter parsing, in one place, so every endpoint rejects bad input the same way."""

import math
import re
from dataclasses import dataclass

from django.conf import settings

from ..kinds.base import BOOLEAN, CODE, CODES, INTEGER, NUMBER, TAGS, parse_number
from .errors import InvalidParameter

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000
# Web Mercator tiles beyond z24 address less than a centimetre: no client asks for them.
MAX_TILE_ZOOM = 24

# Parameters the features endpoint itself understands; a filter never takes one of these names.
RESERVED = frozenset(
    {"bbox", "municipality", "q", "limit", "offset", "fields", "format", "encoding", "v", "f"}
    | {"filter", "filter-lang"}  # CQL2 (layers.api.filters)
)
COMMON_PROPERTIES = ("source_id", "name", "name_kana", "address", "municipality", "ward")


# Longer than any name or address; the map page stops typing here too (map_config.search_max_length).
MAX_QUERY_LENGTH = 100


def parse_bbox(value, *, geographic=True, northing_first=False):
    """`minx,miny,maxx,maxy` in lon/lat degrees, or None when absent.

    In another CRS (OGC API `bbox-crs`) the numbers follow that CRS's axes: `northing_first` for latitude or
    northing first (EPSG:4326, the plane-rectangular zones), metres when not `geographic`. The answer is
    always (minx, miny, maxx, maxy) with x = longitude or easting. Present but empty (`bbox=`) is an
    error, not "everywhere": a client that meant an area and sent none should hear so.
    """
    if value is None:
        return None
    if not value.strip():
        raise InvalidParameter("bbox is empty: give minx,miny,maxx,maxy, or leave bbox out", parameter="bbox")
    parts = value.split(",")
    if len(parts) == 6:  # OGC API allows a 3D bbox; heights say nothing here
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise InvalidParameter("bbox needs four numbers: minx,miny,maxx,maxy", parameter="bbox")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox values must be numbers", parameter="bbox") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameter("bbox values must be finite", parameter="bbox")
    if northing_first:
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    if geographic and not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter("bbox is outside lon −180..180, lat −90..90", parameter="bbox")
    if not geographic and max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > 10_000_000:
        raise InvalidParameter("bbox is more than 10,000 km from the zone's origin", parameter="bbox")
    if minx > maxx or miny > maxy:
        raise InvalidParameter("bbox minimum is greater than its maximum", parameter="bbox")
    return minx, miny, maxx, maxy


def parse_int(value, name, default, minimum=0, maximum=None):
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number", parameter=name) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise InvalidParameter(f"{name} must be between {minimum} and {maximum}", parameter=name)
    return number


def parse_limit(value, maximum=None, default=None, clamp=False):
    """Page size. The REST API refuses a limit above the maximum; OGC API clamps it (Part 1, /req/core/fc-limit)."""
    maximum = maximum or getattr(settings, "FEATURES_MAX_LIMIT", MAX_LIMIT)
    default = default or getattr(settings, "FEATURES_DEFAULT_LIMIT", DEFAULT_LIMIT)
    if clamp and value not in (None, "") and value.isdigit() and int(value) > maximum:
        return maximum
    return parse_int(value, "limit", default, minimum=1, maximum=maximum)


def parse_offset(value):
    return parse_int(value, "offset", 0, maximum=10_000_000)


def parse_municipality_code(value):
    """A 5-digit code, or the 6-digit one with its check digit; returns the 5-digit code or None."""
    if value in (None, ""):
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) not in (5, 6):
        raise InvalidParameter("municipality must be a 5- or 6-digit code", parameter="municipality")
    return value[:5]


def parse_query_text(value):
    """`q`: part of a feature's name (or kana), 1 to MAX_QUERY_LENGTH characters."""
    if value in (None, ""):
        return None
    value = value.strip()
    if not value or len(value) > MAX_QUERY_LENGTH:
        raise InvalidParameter(f"q must be 1 to {MAX_QUERY_LENGTH} characters", parameter="q")
    return value


def parse_tile(z, x, y):
    """z/x/y as strings from the URL; a tile that cannot exist is a 400 like any other bad parameter."""
    try:
        z, x, y = int(z), int(x), int(y)
    except (TypeError, ValueError):
        raise InvalidParameter("z, x and y must be whole numbers", parameter="z/x/y") from None
    max_zoom = min(getattr(settings, "TILE_MAX_ZOOM", MAX_TILE_ZOOM), MAX_TILE_ZOOM)
    if not 0 <= z <= max_zoom:
        raise InvalidParameter(f"zoom must be between 0 and {max_zoom}", parameter="z")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise InvalidParameter(f"x and y must be between 0 and {2**z - 1} at zoom {z}", parameter="x/y")
    return z, x, y


def parse_version(value):
    """The layer version a versioned tile URL carries (`?v=N`), or None."""
    if value in (None, ""):
        return None
    return parse_int(value, "v", None, minimum=1, maximum=2**62)


def parse_fields(value, kind):
    """`fields=name,capacity`: the properties to return, checked against the kind's schema."""
    if value in (None, ""):
        return None
    known = set(COMMON_PROPERTIES) | {f.name for f in kind.fields}
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise InvalidParameter(
            f"unknown field(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(sorted(known))}",
            parameter="fields",
        )
    return list(dict.fromkeys(names))


# ---------------------------------------------------------------- filters on the kind's fields


@dataclass(frozen=True)
class PropertyFilter:
    """One filter on a kind's field: `values` (any of them matches), or a numeric bound."""

    field: str
    type: str
    values: tuple = ()
    minimum: float | None = None
    maximum: float | None = None


def _singular(name):
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return None


def filter_parameters(kind):
    """{query parameter: field} for the kind's filterable fields.

    Each field answers to its own name; a plural field also to its singular (`disasters` → `disaster`,
    `departments` → `department`), and a compound name to its last word when no other field claims it
    (`facility_type` → `type`). Numeric fields also take `<name>_min` and `<name>_max`.
    """
    fields = kind.filterable_fields
    names = {f.name for f in kind.fields}
    params = {f.name: f for f in fields}
    candidates = {}
    for f in fields:
        for alias in (_singular(f.name), f.name.rsplit("_", 1)[-1] if "_" in f.name else None):
            if alias and alias not in names and alias not in RESERVED:
                candidates.setdefault(alias, []).append(f)
    for alias, claimed_by in candidates.items():
        if len(claimed_by) == 1:
            params[alias] = claimed_by[0]
    return params


def describe_filter_parameters(kind):
    """{field name: [parameter names]} as the catalogue shows it."""
    out = {f.name: [] for f in kind.filterable_fields}
    for param, f in filter_parameters(kind).items():
        out[f.name].append(param)
        if f.type in (INTEGER, NUMBER) and param == f.name:
            out[f.name] += [f"{param}_min", f"{param}_max"]
    return out


_SPLIT = re.compile(r"\s*,\s*")


def _typed(f, text, parameter):
    if f.type in (INTEGER, NUMBER):
        try:
            number = parse_number(text)
        except ValueError:
            raise InvalidParameter(f"{parameter} must be a number", parameter=parameter) from None
        return int(number) if f.type == INTEGER and number == int(number) else number
    if f.type == BOOLEAN:
        lowered = text.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise InvalidParameter(f"{parameter} must be true or false", parameter=parameter)
    if f.type in (CODE, CODES) or f.codes:
        code = f.code(text)
        if code is None:
            known = ", ".join(c.value for c in f.codes)
            raise InvalidParameter(f"{parameter}: {text!r} is not one of {known}", parameter=parameter)
        return int(code.value) if f.type == INTEGER else code.value
    return text  # TAGS and STRING: free text, matched exactly


def parse_filters(query, kind, *, strict=True):
    """The filters in a query (a QueryDict); with `strict`, an unknown parameter is a 400."""
    params = filter_parameters(kind)
    numeric = {
        f"{f.name}_{end}": (f, end)
        for f in kind.filterable_fields
        if f.type in (INTEGER, NUMBER)
        for end in ("min", "max")
    }
    filters = []
    for parameter in query:
        if parameter in RESERVED:
            continue
        raw = query.get(parameter, "").strip()
        if parameter in numeric:
            f, end = numeric[parameter]
            value = _typed(f, raw, parameter)
            filters.append(PropertyFilter(f.name, f.type, **{"minimum" if end == "min" else "maximum": value}))
        elif parameter in params:
            f = params[parameter]
            values = [v for v in _SPLIT.split(raw) if v]
            if not values:
                raise InvalidParameter(f"{parameter} needs a value", parameter=parameter)
            filters.append(PropertyFilter(f.name, f.type, tuple(_typed(f, v, parameter) for v in values)))
        elif strict:
            known = sorted(RESERVED - {"v", "f"}) + sorted(params) + sorted(numeric)
            raise InvalidParameter(
                f"unknown parameter {parameter!r}; this layer takes {', '.join(known)}", parameter=parameter
            )
    return filters


def is_list_field(field_type):
    return field_type in (CODES, TAGS)


def parse_point(query):
    """`lat` and `lon` in degrees (WGS 84), both required; returns (lon, lat)."""
    values = {}
    for name, bound in (("lat", 90), ("lon", 180)):
        raw = (query.get(name) or "").strip()
        if not raw:
            raise InvalidParameter(f"{name} is required", parameter=name)
        try:
            value = float(raw)
        except ValueError:
            raise InvalidParameter(f"{name} must be a number", parameter=name) from None
        if not math.isfinite(value) or not -bound <= value <= bound:
            raise InvalidParameter(f"{name} must be between -{bound} and {bound}", parameter=name)
        values[name] = value
    return values["lon"], values["lat"]


def parse_optional_point(query):
    if not query.get("lat") and not query.get("lon"):
        return None
    return parse_point(query)


def parse_flag(value, name, default):
    if value in (None, ""):
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidParameter(f"{name} must be true or false", parameter=name)


def parse_choice(value, name, choices, default):
    """One of `choices`; absent means `default`."""
    if value in (None, ""):
        return default
    if value not in choices:
        raise InvalidParameter(f"{name} must be one of {', '.join(choices)}", parameter=name)
    return value
