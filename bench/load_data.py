"""Load the bench dataset ($BENCH_DATA_DIR/*.geojson) into our service, through our importer.

The bench's synthetic properties are renamed to the standard columns our layer kinds read (a copy is
written to a temp dir); the kinds themselves are not changed. Boundaries come from the demo fixtures.
The synthetic points are a Gaussian mixture that spills over the prefecture's border and into the bay,
so each file is imported per municipality (as named in its rows) with MAX_METRES_OUTSIDE_MUNICIPALITY
raised by the caller: those rows become warnings and we serve the same features as the floor.
Run with the project's Python from the project root: .venv/bin/python bench/load_data.py
"""

import json
import os
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")

import django  # noqa: E402

django.setup()

from importers.boundaries import load_boundaries  # noqa: E402
from importers.pipeline import run_import  # noqa: E402
from layers.models import Layer, Municipality  # noqa: E402

DISASTERS = {"flood": "洪水", "landslide": "崖崩れ、土石流及び地滑り", "tsunami": "津波", "earthquake": "地震",
             "storm_surge": "高潮", "large_fire": "大規模な火事", "inland_flood": "内水氾濫"}  # fmt: skip
CHILDCARE_TYPES = {"認可保育所": "認可私立保育所", "認定こども園": "認定こども園（幼保連携型）", "幼稚園": "私立幼稚園"}
PARK_TYPES = {"街区公園": "1", "近隣公園": "2", "地区公園": "3", "総合公園": "4", "緑地": "11"}


def shelter(i, p):
    row = {
        "共通ID": f"B{i:07d}",
        "施設・場所名": p["name"],
        "住所": p.get("address"),
        "想定収容人数": p.get("capacity"),
    }
    row.update({DISASTERS[k]: "1" for k in DISASTERS if p.get(k) is True})
    row["designation"] = "emergency_site" if len(row) > 4 else "shelter"
    return row


def clinic(i, p):
    return {"ID": f"C{i:07d}", "名称": p["name"], "住所": p.get("address"), "診療科目": p.get("departments"),
            "病床数": p.get("beds"), "電話番号": p.get("phone")}  # fmt: skip


def childcare(i, p):
    kind = CHILDCARE_TYPES.get(p.get("facility_type"), "保育所")
    return {"ID": f"K{i:07d}", "名称": p["name"], "住所": p.get("address"), "種別": kind, "収容定員": p.get("capacity")}


def hazard(i, p):
    return {"id": f"H{i:06d}", "hazard_type": p.get("hazard_type", "flood"), "A31a_205": p.get("depth_rank"),
            "A31a_202": p.get("river"), "source": p.get("source")}  # fmt: skip


def park(i, p):
    return {"ID": f"P{i:06d}", "名称": p["name"], "P13_004": PARK_TYPES.get(p.get("park_type"), "1"),
            "P13_008": p.get("area_m2")}  # fmt: skip


LAYERS = {  # bench layer → (kind, category, mapper)
    "shelters": ("shelter", "disaster", shelter),
    "hazard_zones": ("hazard_zone", "disaster", hazard),
    "childcare": ("childcare", "childcare", childcare),
    "parks": ("park", "parks", park),
    "clinics": ("clinic", "health", clinic),
}


def main(only=None):
    data = Path(os.environ["BENCH_DATA_DIR"])
    if Municipality.objects.count() < 43:
        spec = tomllib.loads((ROOT / "fixtures" / "demo.toml").read_text(encoding="utf-8"))
        load_boundaries(ROOT / "fixtures" / spec["boundaries"]["n03"], ROOT / "fixtures" / spec["boundaries"]["names"])
    names = {m.code: m for m in Municipality.objects.all()}
    by_name = {m.name_ja: m.code for m in names.values()}

    def municipality_code(name):
        # The bench splits 大阪市 into wards (大阪市北区 …); our features belong to the city.
        return by_name.get(name) or by_name[name[: name.index("市") + 1]]

    with tempfile.TemporaryDirectory() as tmp:
        for slug, (kind, category, mapper) in LAYERS.items():
            if only and slug not in only:
                continue
            t0 = time.perf_counter()
            layer, _ = Layer.objects.update_or_create(
                slug=slug, defaults={"kind": kind, "category": category, "name_ja": slug, "name_en": slug}
            )
            doc = json.loads((data / f"{slug}.geojson").read_text(encoding="utf-8"))
            by_code = defaultdict(list)
            for i, feature in enumerate(doc["features"], 1):
                by_code[municipality_code(feature["properties"]["municipality"])].append(feature)
                feature["properties"] = {k: v for k, v in mapper(i, feature["properties"]).items() if v is not None}
            rows = accepted = 0
            errors = []
            for code, features in by_code.items():
                path = Path(tmp) / f"{slug}-{code}.geojson"
                path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
                result = run_import(path, layer=layer, municipality=names[code], mode="replace")
                rows, accepted, errors = rows + result.rows, accepted + result.accepted, errors + result.errors
            layer.refresh_from_db()
            print(f"{slug}: {rows} rows, {accepted} accepted, {len(errors)} errors, version {layer.version}, "
                  f"{time.perf_counter() - t0:.1f}s", flush=True)  # fmt: skip
            for code, n in Counter(f.code for f in errors).most_common():
                print(f"  {n} × {code}: {next(f for f in errors if f.code == code)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
