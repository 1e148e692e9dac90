"""Query-parameter parsing, in one place, so every endpoint rejects bad input the same way."""

import math

from .errors import InvalidParameter

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000


def parse_bbox(value):
    """`minx,miny,maxx,maxy` in lon/lat degrees, or None when absent."""
    if value in (None, ""):
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise InvalidParameter("bbox needs four numbers: minx,miny,maxx,maxy", parameter="bbox")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox values must be numbers", parameter="bbox") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameter("bbox values must be finite", parameter="bbox")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter("bbox is outside lon −180..180, lat −90..90", parameter="bbox")
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


def parse_limit(value, maximum=MAX_LIMIT, default=DEFAULT_LIMIT):
    return parse_int(value, "limit", default, minimum=1, maximum=maximum)


def parse_municipality_code(value):
    """A 5-digit code, or the 6-digit one with its check digit; returns the 5-digit code or None."""
    if value in (None, ""):
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) not in (5, 6):
        raise InvalidParameter("municipality must be a 5- or 6-digit code", parameter="municipality")
    return value[:5]
