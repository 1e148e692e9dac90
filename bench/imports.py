"""Import speed: our importer (validation included) against `ogr2ogr -f PostgreSQL` on the same files.

The files are the shared harness's synthetic layers ($BENCH_DATA_DIR, written by ../shared/bench/run.sh;
default ~/.cache/osaka-bench/data). Untimed, each file is rewritten with the standard columns our layer
kinds read (bench/load_data.py's mappings), and features lying outside every municipality of the
prefecture (the harness's points spill into the sea) are left out, since a prefecture-wide import
refuses them. Then, per file, best of two:

- ogr2ogr: `ogr2ogr -f PostgreSQL` of the rewritten file into a scratch schema (COPY, spatial index);
- ours: `run_import(..., municipality=None, mode="replace")` into a scratch layer: read, map columns,
  validate every row, place it in its municipality and ward, publish in one transaction, snapshot.

The two take turns (ogr2ogr, ours, ogr2ogr, ours), so a busy machine slows both alike. Besides the wall
clock, each run's CPU seconds are measured: for ogr2ogr its process and its PostgreSQL backend, for ours
this process and its backend (from /proc, so the database must run on this machine), with the load
average at the start of the file's runs.

GeoJSON for each layer, and the shelters as a GeoPackage. The scratch layers and schema are removed.

With `--plateau N`, also a PLATEAU-sized import into a building_hazard layer of 大阪市: the 816 buildings
at risk of fixtures/building_hazards (8 real tiles) repeated under new gml:ids and building IDs up to N
buildings, zipped as the 8 tiles. There is no ogr2ogr figure for it: GDAL's GML driver is not how we read
CityGML (README), and the buildings' attributes need the i-UR reading anyway.

    .venv/bin/python bench/imports.py [--plateau 100000]   # DATABASE_URL: the demo database (`make load`)
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import load_data  # noqa: E402  (sets Django up)
import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from importers.pipeline import run_import  # noqa: E402
from importers.places import Places  # noqa: E402
from layers.models import Layer, Municipality  # noqa: E402

SCHEMA = "bench_import"
OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"
FILES = [("shelters", "geojson"), ("clinics", "geojson"), ("childcare", "geojson"), ("hazard_zones", "geojson"),
         ("shelters", "gpkg")]  # fmt: skip


def rewrite(slug, source: Path, out_dir: Path, places: Places) -> tuple[Path, int]:
    """The layer as our kind's standard columns, without features outside the prefecture."""
    _, _, mapper = load_data.LAYERS[slug]
    doc = json.loads(source.read_text(encoding="utf-8"))
    kept = []
    for i, feature in enumerate(doc["features"], 1):
        if places.municipality_code_at(shapely.geometry.shape(feature["geometry"])) is None:
            continue
        feature["properties"] = {k: v for k, v in mapper(i, feature["properties"]).items() if v is not None}
        kept.append(feature)
    path = out_dir / f"{slug}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": kept}, ensure_ascii=False))
    return path, len(kept)


def pg_dsn():
    db = settings.DATABASES["default"]
    parts = {"dbname": db["NAME"], "host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432,
             "user": db.get("USER"), "password": db.get("PASSWORD")}  # fmt: skip
    return "PG:" + " ".join(f"{k}={v}" for k, v in parts.items() if v)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendWatch(threading.Thread):
    """The CPU seconds of the PostgreSQL backends serving `application_name`, sampled until stopped."""

    def __init__(self, application_name):
        super().__init__(daemon=True)
        self.name_, self.seen, self.stopping = application_name, {}, threading.Event()

    def run(self):
        with connection.cursor() as cursor:
            while not self.stopping.wait(0.05):
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name_])
                for (pid,) in cursor.fetchall():
                    self.seen[pid] = max(self.seen.get(pid, 0.0), cpu_seconds(pid))
        connection.close()  # this thread's own connection

    def stop(self) -> float:
        self.stopping.set()
        self.join()
        return sum(self.seen.values())


def time_ogr2ogr(path: Path, table: str) -> tuple[float, float, float]:
    """Wall seconds, ogr2ogr's CPU seconds, its backend's CPU seconds."""
    argv = [OGR2OGR, "-f", "PostgreSQL", pg_dsn(), str(path), "-nln", f"{SCHEMA}.{table}", "-overwrite"]
    argv += ["-lco", "SPATIAL_INDEX=GIST", "-lco", "GEOMETRY_NAME=geom"]
    watch = BackendWatch(f"bench-ogr2ogr-{table}")
    watch.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PG_USE_COPY": "YES", "PGAPPNAME": watch.name_}
    subprocess.run(argv, check=True, env=env)  # noqa: S603 (our own arguments)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return elapsed, client, watch.stop()


def time_ours(path: Path, slug: str) -> tuple[float, float, float, int]:
    """Wall seconds, this process's CPU seconds, its backend's CPU seconds, features accepted."""
    kind, category, _ = load_data.LAYERS[slug]
    # An empty layer each time, so every feature is new (as for ogr2ogr -overwrite).
    Layer.objects.filter(slug=f"bench-import-{slug}").delete()
    layer = Layer.objects.create(slug=f"bench-import-{slug}", kind=kind, category=category, name_ja=slug, name_en=slug)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_cpu, cpu, start = cpu_seconds(backend), time.process_time(), time.perf_counter()
    result = run_import(path, layer=layer, municipality=None, mode="replace")
    elapsed = time.perf_counter() - start
    cpu, backend_cpu = time.process_time() - cpu, cpu_seconds(backend) - backend_cpu
    if not result.published:
        raise SystemExit(f"{path.name}: not published: {result.errors[:3]}")
    return elapsed, cpu, backend_cpu, result.accepted


def shown(runs):
    return ", ".join(" / ".join(f"{seconds:.1f}" for seconds in run) for run in runs)


def measure(data: Path, places: Places):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rewritten = {}
        for slug, fmt in FILES:
            if slug not in rewritten:
                rewritten[slug] = rewrite(slug, data / f"{slug}.geojson", tmp, places)
            path, count = rewritten[slug]
            if fmt == "gpkg":
                gpkg = tmp / f"{slug}.gpkg"
                subprocess.run([OGR2OGR, "-f", "GPKG", str(gpkg), str(path), "-nln", slug], check=True)  # noqa: S603
                path = gpkg
            load = os.getloadavg()[0]
            ogr_runs, our_runs = [], []
            for _ in range(2):  # taking turns
                ogr_runs.append(time_ogr2ogr(path, f"{slug}_{fmt}"))
                *ours, accepted = time_ours(path, slug)
                assert accepted == count, (slug, accepted, count)
                our_runs.append(tuple(ours))
            ogr, ours = min(ogr_runs), min(our_runs)
            rows.append((f"{slug} ({fmt})", count, count / ogr[0], count / ours[0], ogr, ours, load))
            print(f"  {slug} {fmt}: {count} features, load {load:.1f}; wall / CPU / backend CPU s: "
                  f"ogr2ogr {shown(ogr_runs)}; ours {shown(our_runs)}", file=sys.stderr)  # fmt: skip
    return rows


PLATEAU_TILES = ROOT / "fixtures/building_hazards/plateau_27100_osaka_bldg_2022.zip"
MEMBER = re.compile(r"<core:cityObjectMember>.*?</core:cityObjectMember>", re.S)


def plateau_file(buildings: int, out_dir: Path) -> Path:
    """The real Osaka building tiles with each building repeated, under new IDs, up to `buildings`."""
    with zipfile.ZipFile(PLATEAU_TILES) as tiles:
        texts = {name: tiles.read(name).decode("utf-8") for name in tiles.namelist() if name.endswith(".gml")}
    members = {name: MEMBER.findall(text) for name, text in texts.items()}
    repeats = -(-buildings // sum(len(m) for m in members.values()))
    path, written = out_dir / f"plateau_{buildings}.zip", 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, text in texts.items():
            first, last = MEMBER.search(text).start(), max(m.end() for m in MEMBER.finditer(text))
            with out.open(name, "w") as gml:
                gml.write(text[:first].encode())
                for k in range(repeats):
                    for member in members[name][: max(0, buildings - written)]:
                        member = re.sub(r'gml:id="([^"]+)"', rf'gml:id="\1_r{k}"', member)
                        member = re.sub(r"(<uro:buildingID>[^<]+)", rf"\1-r{k}", member)
                        gml.write(member.encode())
                        written += 1
                gml.write(text[last:].encode())
    return path


def time_plateau(buildings: int):
    with tempfile.TemporaryDirectory() as tmp:
        path = plateau_file(buildings, Path(tmp))
        Layer.objects.filter(slug="bench-import-buildings").delete()
        layer = Layer.objects.create(slug="bench-import-buildings", kind="building_hazard", category="disaster",
                                     name_ja="建物", name_en="buildings")  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        load, backend_cpu, cpu, start = (
            os.getloadavg()[0],
            cpu_seconds(backend),
            time.process_time(),
            time.perf_counter(),
        )
        result = run_import(path, layer=layer, municipality=Municipality.objects.get(code="27100"), mode="replace")
        elapsed = time.perf_counter() - start
        cpu, backend_cpu = time.process_time() - cpu, cpu_seconds(backend) - backend_cpu
    if not result.published:
        raise SystemExit(f"{path.name}: not published: {result.errors[:3]}")
    print(f"  PLATEAU buildings: {result.accepted:,} of {result.rows:,} rows in {elapsed:.1f} s (load {load:.1f})",
          file=sys.stderr)  # fmt: skip
    return result.accepted, elapsed, cpu, backend_cpu, load


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plateau", type=int, metavar="N", help="also import N PLATEAU buildings (e.g. 100000)")
    args = parser.parse_args()
    data = Path(os.environ.get("BENCH_DATA_DIR", Path.home() / ".cache/osaka-bench/data"))
    if not (data / "shelters.geojson").exists():
        raise SystemExit(f"no bench files in {data}: run `bash ../shared/bench/run.sh` (or `make bench`) first")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    places = Places()
    try:
        rows = measure(data, places)
        plateau = time_plateau(args.plateau) if args.plateau else None
    finally:  # the scratch layers must not stay in the catalogue, even when an import fails
        Layer.objects.filter(slug__startswith="bench-import-").delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    print("| file | features | ogr2ogr feat/s | ours feat/s | ours/ogr2ogr | ogr2ogr CPU s (+ backend) "
          "| ours CPU s (+ backend) | load |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, count, ogr, ours, (_, ogr_cpu, ogr_backend), (_, cpu, backend), load in rows:
        print(f"| {name} | {count:,} | {ogr:,.0f} | {ours:,.0f} | {ours / ogr:.2f} "
              f"| {ogr_cpu:.1f} + {ogr_backend:.1f} | {cpu:.1f} + {backend:.1f} | {load:.1f} |")  # fmt: skip
    if plateau:
        count, elapsed, cpu, backend_cpu, load = plateau
        print(f"| PLATEAU buildings (CityGML zip, 大阪市) | {count:,} | – | {count / elapsed:,.0f} | – | – "
              f"| {cpu:.1f} + {backend_cpu:.1f} | {load:.1f} |")  # fmt: skip


if __name__ == "__main__":
    if not Path(OGR2OGR).exists():
        raise SystemExit("ogr2ogr not found (Debian package gdal-bin)")
    main()
