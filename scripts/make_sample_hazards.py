#!/usr/bin/env python3
"""Generate FICTIONAL sample hazard-zone polygons for Osaka Prefecture.

This script writes ``fixtures/hazard_zones/sample_osaka_hazards.geojson``, a
small demo data set of made-up hazard zones:

* flood zones (``hazard_type="flood"``) as depth-rank bands (1: <0.5 m,
  2: 0.5-3 m, 3: 3-5 m, 4: 5-10 m) along rough, hand-drawn approximations of
  the 淀川 (Yodo), 大和川 (Yamato) and 寝屋川 (Neya) rivers, built as nested,
  irregular buffers of the river lines, clipped to the prefecture land and
  split per municipality;
* landslide zones (``hazard_type="landslide"``): small irregular
  土砂災害警戒区域 ("warning") and 土砂災害特別警戒区域 ("special_warning")
  polygons in hilly parts of 箕面市, 東大阪市, 四條畷市, 河内長野市 and 能勢町.

THE DATA ARE FICTIONAL. They are NOT an official hazard map and must not be
used for any real decision. サンプル（架空）のデータです。公式のハザードマップ
ではありません。

Only the municipality boundaries (国土数値情報 N03, read via ``--boundaries``)
are real; they are used to clip the zones and to assign municipality codes.
The output is deterministic: a fixed random seed, no time-dependent values, so
every run produces the same file.

Usage (from the project root)::

    python scripts/make_sample_hazards.py
    python scripts/make_sample_hazards.py --boundaries PATH --output PATH

Dependencies: shapely>=2, pyproj.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
from pathlib import Path

import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOUNDARIES = "../shared/data/real/boundaries/N03-20240101_27.geojson"
DEFAULT_OUTPUT = "fixtures/hazard_zones/sample_osaka_hazards.geojson"

SEED = 20240101
METRIC_CRS = "EPSG:6674"  # JGD2011 / Japan Plane Rectangular CS VI (Osaka)
COORD_DECIMALS = 6
MIN_PART_AREA_M2 = 10_000.0  # 0.01 km2: smaller slivers are dropped
SIMPLIFY_M = 6.0  # simplification tolerance for the flood bands, in metres
SOURCE = "サンプル（架空）/ sample, not real"
DESCRIPTION = (
    "Fictional sample hazard zones for the demo. NOT an official hazard map. "
    "サンプル（架空）のデータです。公式のハザードマップではありません。"
)

TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

# --------------------------------------------------------------------------
# Rough river centre lines (lon, lat). Hand-drawn approximations only.
# --------------------------------------------------------------------------
RIVERS = [
    {
        "key": "YODO",
        "name": "淀川",
        # lateral bias of the wide bands, as a fraction of the band width;
        # positive = towards the left bank (here the south-east lowlands)
        "bias": 0.22,
        "line": [
            (135.680, 34.880),
            (135.662, 34.866),
            (135.648, 34.850),
            (135.636, 34.834),
            (135.622, 34.815),
            (135.607, 34.795),
            (135.592, 34.777),
            (135.576, 34.760),
            (135.560, 34.745),
            (135.543, 34.732),
            (135.526, 34.722),
            (135.508, 34.718),
            (135.490, 34.717),
            (135.472, 34.711),
            (135.455, 34.702),
            (135.438, 34.694),
            (135.420, 34.688),
            (135.405, 34.684),
        ],
        # rank -> (mean half-width of the band's outer edge in metres,
        #          reach along the line as fractions (start, end))
        "bands": {
            1: (2000.0, 0.0, 1.0),
            2: (1200.0, 0.0, 1.0),
            3: (560.0, 0.12, 0.97),
            4: (230.0, 0.40, 0.82),
        },
    },
    {
        "key": "YAMATO",
        "name": "大和川",
        "bias": -0.18,  # towards the right (north) bank
        "line": [
            (135.645, 34.579),
            (135.630, 34.580),
            (135.614, 34.581),
            (135.598, 34.587),
            (135.582, 34.593),
            (135.565, 34.597),
            (135.547, 34.600),
            (135.530, 34.600),
            (135.512, 34.601),
            (135.494, 34.602),
            (135.476, 34.601),
            (135.460, 34.599),
            (135.445, 34.598),
            (135.432, 34.597),
        ],
        "bands": {
            1: (1600.0, 0.0, 1.0),
            2: (950.0, 0.0, 1.0),
            3: (430.0, 0.18, 1.0),
            4: (180.0, 0.50, 0.92),
        },
    },
    {
        "key": "NEYA",
        "name": "寝屋川",
        "bias": 0.0,
        "line": [
            (135.632, 34.730),
            (135.617, 34.711),
            (135.601, 34.700),
            (135.583, 34.694),
            (135.566, 34.692),
        ],
        # inland lowland ponding (Daito / Higashiosaka): shallow bands only
        "bands": {1: (850.0, 0.0, 1.0), 2: (380.0, 0.2, 0.8)},
    },
]

DEPTH_LABELS = {1: "0.5m未満", 2: "0.5〜3m", 3: "3〜5m", 4: "5〜10m"}

# --------------------------------------------------------------------------
# Landslide sites: (municipality code, centre lon, lat, spread m,
#                   number of warning zones, number of special zones)
# --------------------------------------------------------------------------
LANDSLIDE_SITES = [
    ("27220", 135.470, 34.850, 1500.0, 4, 2),  # 箕面市 north hills
    ("27227", 135.658, 34.670, 900.0, 3, 2),  # 東大阪市 Ikoma west slope
    ("27229", 135.660, 34.730, 900.0, 3, 1),  # 四條畷市
    ("27216", 135.570, 34.430, 1500.0, 3, 1),  # 河内長野市
    ("27322", 135.420, 34.960, 1500.0, 3, 1),  # 能勢町
]

PHENOMENA = [  # (key, Japanese label, weight)
    ("steep_slope", "急傾斜地の崩壊", 5),
    ("debris_flow", "土石流", 4),
    ("landslide", "地すべり", 2),
]
PHENOMENON_LABEL = {k: label for k, label, _ in PHENOMENA}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def to_metric(geom):
    return shapely.transform(geom, TO_METRIC.transform, interleaved=False)


def to_lonlat(geom):
    return shapely.transform(geom, TO_LONLAT.transform, interleaved=False)


def normalize_code(code: str) -> str:
    """Wards of Osaka-shi -> 27100, wards of Sakai-shi -> 27140."""
    n = int(code)
    if 27102 <= n <= 27128:
        return "27100"
    if 27141 <= n <= 27147:
        return "27140"
    return code


def polygon_parts(geom):
    """Return the Polygon parts of any geometry (GeometryCollection safe)."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        out = []
        for g in geom.geoms:
            out.extend(polygon_parts(g))
        return out
    return []


def clean(geom, min_area=0.0):
    """Make valid, keep polygonal parts above min_area, return (Multi)Polygon."""
    geom = shapely.make_valid(geom)
    parts = [p for p in polygon_parts(geom) if p.area >= min_area]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(sorted(parts, key=lambda p: (-p.area, p.bounds)))


def smooth_noise_1d(rng: random.Random, wavelengths):
    """Smooth deterministic 1-D noise in [-1, 1] (sum of sines)."""
    terms = [
        (
            rng.uniform(0.5, 1.0),
            wl * rng.uniform(0.8, 1.25),
            rng.uniform(0, 2 * math.pi),
        )
        for wl in wavelengths
    ]
    total = sum(a for a, _, _ in terms)

    def f(s: float) -> float:
        return sum(a * math.sin(2 * math.pi * s / wl + ph) for a, wl, ph in terms) / total

    return f


def make_displacement(rng: random.Random, components):
    """Smooth 2-D displacement field; components = [(amplitude m, wavelength m)]."""
    waves = []
    for amp, wl in components:
        for _axis in range(2):
            theta = rng.uniform(0, math.pi)
            waves.append(
                (
                    amp,
                    2 * math.pi / wl,
                    math.cos(theta),
                    math.sin(theta),
                    rng.uniform(0, 2 * math.pi),
                )
            )
    xs_waves = waves[0::2]
    ys_waves = waves[1::2]

    def apply(coords):
        out = []
        for x, y in coords:
            dx = sum(a * math.sin(k * (x * c + y * s) + ph) for a, k, c, s, ph in xs_waves)
            dy = sum(a * math.sin(k * (x * c + y * s) + ph) for a, k, c, s, ph in ys_waves)
            out.append((x + dx, y + dy))
        return out

    return lambda geom: shapely.transform(geom, apply)


def capsule_buffer(points, radii):
    """Variable-width buffer: union of hulls of consecutive circles."""
    pieces = []
    circles = [Point(p).buffer(r, quad_segs=8) for p, r in zip(points, radii, strict=False)]
    for a, b in itertools.pairwise(circles):
        pieces.append(shapely.union(a, b).convex_hull)
    return shapely.union_all(pieces)


def densify_line(line: LineString, step: float):
    n = max(2, math.ceil(line.length / step) + 1)
    return [line.interpolate(i * line.length / (n - 1)) for i in range(n)]


def round_coords(obj):
    if isinstance(obj, float):
        return round(obj, COORD_DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [round_coords(o) for o in obj]
    return obj


def geometry_json(geom_lonlat):
    g = mapping(geom_lonlat)
    return {"type": g["type"], "coordinates": round_coords(g["coordinates"])}


def _on_grid(geom) -> bool:
    return all(round(v, COORD_DECIMALS) == v for xy in shapely.get_coordinates(geom).tolist() for v in xy)


def snap_lonlat(geom_lonlat):
    """Snap to the output grid (1e-6 deg) while keeping validity."""
    grid = 10**-COORD_DECIMALS
    g = shapely.make_valid(geom_lonlat)
    for mode in ("valid_output", "pointwise"):
        cur = g
        for _ in range(5):
            try:
                cur = shapely.set_precision(cur, grid, mode=mode)
            except shapely.errors.GEOSException:
                break
            cur = clean(
                shapely.transform(
                    cur,
                    lambda c: [[round(v, COORD_DECIMALS) for v in xy] for xy in c.tolist()],
                )
            )
            if cur is None:
                break
            if cur.is_valid and _on_grid(cur):
                return cur
            cur = shapely.make_valid(cur)
    raise RuntimeError("could not snap geometry to the output grid")


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------
def load_municipalities(path: Path):
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    by_code = {}
    for feat in data["features"]:
        code = feat["properties"].get("N03_007")
        if not code:
            continue
        by_code.setdefault(normalize_code(code), []).append(shape(feat["geometry"]))
    munis_ll = {}
    for code in sorted(by_code):
        munis_ll[code] = shapely.make_valid(shapely.union_all(by_code[code]))
    return munis_ll


# --------------------------------------------------------------------------
# Flood zones
# --------------------------------------------------------------------------
def river_bands(river, rng: random.Random):
    """Return {rank: band polygon (metric)}; bands are disjoint rings."""
    line_m = to_metric(LineString(river["line"]))
    pts = densify_line(line_m, 150.0)
    s_values = [i * line_m.length / (len(pts) - 1) for i in range(len(pts))]
    # unit normals along the line (for lateral, asymmetric offsets)
    normals = []
    for i in range(len(pts)):
        a = pts[max(i - 1, 0)]
        b = pts[min(i + 1, len(pts) - 1)]
        dx, dy = b.x - a.x, b.y - a.y
        norm = math.hypot(dx, dy) or 1.0
        normals.append((-dy / norm, dx / norm))

    length = line_m.length
    ranks = sorted(river["bands"])  # 1..4
    buffers = {}
    inner = None
    for rank in sorted(ranks, reverse=True):  # innermost first
        width, f0, f1 = river["bands"][rank]
        s0, s1 = f0 * length, f1 * length
        taper = 1500.0  # metres over which a partial band narrows to its end
        wnoise = smooth_noise_1d(rng, [9000.0, 3500.0, 1400.0, 700.0])
        onoise = smooth_noise_1d(rng, [12000.0, 5000.0])
        bias = river["bias"] if rank <= 2 else 0.0
        # a few lobes reaching into the lowlands on one side (wide bands only)
        lobes = []
        if rank <= 2:
            for _ in range(max(1, int(length / 7000.0))):
                lobes.append(
                    (
                        rng.uniform(0.1, 0.9) * length,  # position along the river
                        rng.uniform(700.0, 1800.0),  # extent along the river
                        rng.uniform(0.25, 0.55),  # strength
                        rng.choice((-1.0, 1.0)),  # side
                    )
                )
        centres, radii = [], []
        for p, s, (nx, ny) in zip(pts, s_values, normals, strict=False):
            if not s0 <= s <= s1:
                continue
            t = 1.0
            if f0 > 0.0:
                t = min(t, (s - s0) / taper)
            if f1 < 1.0:
                t = min(t, (s1 - s) / taper)
            t = max(0.0, min(1.0, t))
            t = 0.35 + 0.65 * t * t * (3 - 2 * t)  # smoothstep taper
            bump = [a * math.exp(-(((s - c) / w) ** 2)) for c, w, a, _side in lobes]
            r = width * t * (1.0 + 0.35 * wnoise(s) + sum(bump))
            off = width * (
                0.28 * onoise(s)
                + bias
                + sum(0.6 * b * side for b, (_c, _w, _a, side) in zip(bump, lobes, strict=False))
            )
            centres.append((p.x + nx * off, p.y + ny * off))
            radii.append(r)
        buf = capsule_buffer(centres, radii)
        buf = shapely.segmentize(buf, 60.0)
        scale = width / 2400.0
        wobble = make_displacement(rng, [(80.0 * max(scale, 0.35), 1400.0), (20.0 * max(scale, 0.35), 380.0)])
        buf = shapely.make_valid(wobble(buf))
        if inner is not None:
            buf = shapely.union(buf, inner)  # guarantee nesting
        buf = shapely.make_valid(buf.simplify(SIMPLIFY_M, preserve_topology=True))
        if inner is not None:
            buf = shapely.union(buf, inner)
        buffers[rank] = buf
        inner = buf

    bands = {}
    for rank in ranks:
        outer = buffers[rank]
        nxt = buffers.get(rank + 1)
        band = outer if nxt is None else shapely.difference(outer, nxt)
        bands[rank] = shapely.make_valid(band)
    return bands


def build_flood_features(munis_m, land_m, rng):
    features = []
    for river in RIVERS:
        bands = river_bands(river, rng)
        for rank in sorted(bands):
            band = shapely.intersection(bands[rank], land_m)
            for code in sorted(munis_m):
                muni = munis_m[code]
                if not band.intersects(muni):
                    continue
                piece = clean(shapely.intersection(band, muni), MIN_PART_AREA_M2)
                if piece is None:
                    continue
                features.append(
                    {
                        "geom_m": piece,
                        "props": {
                            "id": f"SAMPLE-FLOOD-{river['key']}-{code}-R{rank}-001",
                            "name": (
                                f"{river['name']} 洪水浸水想定区域（想定最大規模）"
                                f"浸水深{DEPTH_LABELS[rank]}（サンプル・架空）"
                            ),
                            "hazard_type": "flood",
                            "depth_rank": rank,
                            "zone_class": None,
                            "phenomenon": None,
                            "river": river["name"],
                            "municipality_code": code,
                            "source": SOURCE,
                        },
                    }
                )
    return features


# --------------------------------------------------------------------------
# Landslide zones
# --------------------------------------------------------------------------
def blob(rng: random.Random, cx, cy, radius, elongation, angle):
    """Irregular star-shaped polygon around (cx, cy) in metres."""
    n = rng.randint(11, 17)
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    amps = [0.16, 0.09, 0.05]
    coords = []
    for i in range(n):
        t = 2 * math.pi * (i + rng.uniform(-0.25, 0.25)) / n
        r = radius * (
            1.0 + sum(a * math.sin((k + 2) * t + ph) for k, (a, ph) in enumerate(zip(amps, phases, strict=False)))
        )
        x, y = r * math.cos(t) * elongation, r * math.sin(t) / math.sqrt(elongation)
        ca, sa = math.cos(angle), math.sin(angle)
        coords.append((cx + x * ca - y * sa, cy + x * sa + y * ca))
    return shapely.make_valid(Polygon(coords))


def max_extent(geom):
    rect = geom.minimum_rotated_rectangle
    xs, ys = rect.exterior.coords.xy
    return max(math.hypot(xs[i + 1] - xs[i], ys[i + 1] - ys[i]) for i in range(len(xs) - 1))


def phenomenon_sequence(rng, n):
    """n phenomena in the PHENOMENA proportions (each at least once), shuffled."""
    total = sum(w for _, _, w in PHENOMENA)
    counts = {key: max(1, round(n * w / total)) for key, _label, w in PHENOMENA}
    while sum(counts.values()) > n:
        counts[max(counts, key=counts.get)] -= 1
    while sum(counts.values()) < n:
        counts[PHENOMENA[0][0]] += 1
    seq = [key for key, _label, _w in PHENOMENA for _ in range(counts[key])]
    rng.shuffle(seq)
    return seq


def build_landslide_features(munis_m, flood_union_m, rng):
    features = []
    phen_seq = phenomenon_sequence(rng, sum(site[4] for site in LANDSLIDE_SITES))
    for code, lon, lat, spread, n_warn, n_special in LANDSLIDE_SITES:
        muni = munis_m[code]
        inside = muni.buffer(-25.0)
        cx0, cy0 = TO_METRIC.transform(lon, lat)
        warnings = []
        attempts = 0
        while len(warnings) < n_warn:
            attempts += 1
            if attempts > 5000:
                raise RuntimeError(f"could not place landslide zones in {code}")
            ang = rng.uniform(0, 2 * math.pi)
            dist = spread * math.sqrt(rng.random())
            cx, cy = cx0 + dist * math.cos(ang), cy0 + dist * math.sin(ang)
            phen = phen_seq[0]
            if phen == "debris_flow":
                radius, elong = rng.uniform(45, 80), rng.uniform(1.6, 2.2)
            elif phen == "landslide":
                radius, elong = rng.uniform(55, 90), rng.uniform(1.0, 1.4)
            else:
                radius, elong = rng.uniform(30, 60), rng.uniform(1.8, 2.6)
            poly = clean(blob(rng, cx, cy, radius, elong, rng.uniform(0, math.pi)))
            if not isinstance(poly, Polygon):
                continue
            ext = max_extent(poly)
            if not 50.0 <= ext <= 300.0:
                continue
            if not poly.within(inside) or poly.intersects(flood_union_m):
                continue
            if any(poly.distance(w["geom"]) < 80.0 for w in warnings):
                continue
            warnings.append({"geom": poly, "phen": phen_seq.pop(0)})

        # special warning zones: smaller, inside the first n_special warnings
        specials = {}
        for idx in range(n_special):
            parent = warnings[idx]["geom"]
            core = parent.buffer(-6.0)
            best = None
            for _ in range(200):
                px, py = parent.centroid.x, parent.centroid.y
                r = math.sqrt(parent.area / math.pi)
                ox, oy = rng.uniform(-0.3, 0.3) * r, rng.uniform(-0.3, 0.3) * r
                cand = blob(
                    rng,
                    px + ox,
                    py + oy,
                    r * rng.uniform(0.40, 0.55),
                    1.3,
                    rng.uniform(0, math.pi),
                )
                cand = clean(shapely.intersection(cand, core))
                if isinstance(cand, Polygon) and cand.area >= 0.12 * parent.area:
                    best = cand
                    break
            if best is None:
                raise RuntimeError(f"could not place special warning zone in {code}")
            specials[idx] = best

        serial = 0
        for idx, w in enumerate(warnings):
            entries = [("warning", w["geom"])]
            if idx in specials:
                entries.append(("special_warning", specials[idx]))
            for zone_class, geom in entries:
                serial += 1
                label = "土砂災害警戒区域" if zone_class == "warning" else "土砂災害特別警戒区域"
                features.append(
                    {
                        "geom_m": geom,
                        "props": {
                            "id": f"SAMPLE-LSLD-{code}-{serial:03d}",
                            "name": f"{label}（{PHENOMENON_LABEL[w['phen']]}）（サンプル・架空）",
                            "hazard_type": "landslide",
                            "depth_rank": None,
                            "zone_class": zone_class,
                            "phenomenon": w["phen"],
                            "river": None,
                            "municipality_code": code,
                            "source": SOURCE,
                        },
                    }
                )
    return features


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--boundaries",
        default=DEFAULT_BOUNDARIES,
        help="N03 GeoJSON of Osaka Prefecture (relative paths: from the project root)",
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help="output GeoJSON (relative paths: from the project root)",
    )
    args = parser.parse_args(argv)
    boundaries = Path(args.boundaries)
    if not boundaries.is_absolute():
        boundaries = PROJECT_ROOT / boundaries
    output = Path(args.output)
    if not output.is_absolute():
        output = PROJECT_ROOT / output

    rng = random.Random(SEED)
    munis_ll = load_municipalities(boundaries)
    munis_m = {code: shapely.make_valid(to_metric(g)) for code, g in munis_ll.items()}
    land_m = shapely.make_valid(shapely.union_all(list(munis_m.values())))

    flood = build_flood_features(munis_m, land_m, rng)
    flood_union_m = shapely.union_all([f["geom_m"] for f in flood])
    landslide = build_landslide_features(munis_m, flood_union_m, rng)

    out_features = []
    for feat in flood + landslide:
        geom_ll = snap_lonlat(to_lonlat(feat["geom_m"]))
        if geom_ll is None or not geom_ll.is_valid:
            raise RuntimeError(f"invalid geometry for {feat['props']['id']}")
        out_features.append(
            {
                "type": "Feature",
                "properties": feat["props"],
                "geometry": geometry_json(geom_ll),
            }
        )

    collection = {
        "type": "FeatureCollection",
        "name": "sample_osaka_hazards",
        "description": DESCRIPTION,
        "features": out_features,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    output.write_bytes(data)
    n_flood = sum(1 for f in out_features if f["properties"]["hazard_type"] == "flood")
    print(
        f"wrote {output} : {len(out_features)} features "
        f"({n_flood} flood, {len(out_features) - n_flood} landslide), {len(data)} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
