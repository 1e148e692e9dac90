"""Fuzzing the importer with damaged copies of real files.

A generator mutates the real files of ../shared/data/real/ (and, where that folder is absent, the
same kinds of file from fixtures/): truncation, bit flips, runs of NULs, the wrong text encoding,
huge values and numbers, lines dropped or doubled, and the same inside zips. Every case goes through
`run_import` as an upload would, asking to publish, and must end with a stored report: no exception,
nothing published unless the file was still entirely valid, no temporary file left anywhere, and no
`unexpected_error` (an exception of ours that only the last-resort net caught).

The cases are the same on every run (a fixed seed); a time budget decides how many run.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from importers.pipeline import run_import
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES, ROOT
from tests.factories import make_layer

REAL = ROOT.parent / "shared" / "data" / "real"
BUDGET_SECONDS = 20
MAX_CASES = 400
RANDOM_SEED = 17


@dataclass(frozen=True)
class Seed:
    name: str  # the uploaded file's name
    kind: str
    municipality: str | None  # None: prefecture-wide
    members: dict[str, bytes]  # one member: a plain file; several: zipped under these names

    def upload_bytes(self, members=None) -> bytes:
        members = members or self.members
        if not self.name.endswith(".zip"):
            (content,) = members.values()
            return content
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in members.items():
                zf.writestr(name, content)
        return buffer.getvalue()


def _first(*candidates: Path) -> Path | None:
    return next((path for path in candidates if path.exists()), None)


def _plain(name, kind, municipality, *candidates):
    path = _first(*candidates)
    return Seed(name, kind, municipality, {name: path.read_bytes()}) if path else None


def _zipped(name, kind, municipality, folder: Path | None):
    if folder is None or not folder.exists():
        return None
    return Seed(name, kind, municipality, {p.name: p.read_bytes() for p in sorted(folder.iterdir())})


def _converted(tmp_path, source: Path, driver, suffix, kind, municipality):
    """The real GeoJSON converted by GDAL, for the formats no real file of ours comes in."""
    target = tmp_path / f"converted{suffix}"
    subprocess.run(["ogr2ogr", "-f", driver, str(target), str(source)], check=True, capture_output=True)
    return Seed(f"shelters{suffix}", kind, municipality, {f"shelters{suffix}": target.read_bytes()})


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz_seeds")
    minoh = _first(
        REAL / "shelters/gsi_geojson_by_municipality/emergency/272205.json",
        FIXTURES / "shelters/gsi_emergency/272205.geojson",
    )
    found = [
        _plain(
            "27205_shitei-kinkyu-hinanbasho.csv",
            "shelter",
            "27205",
            REAL / "shelters/gsi_csv/27205_shitei-kinkyu-hinanbasho.csv",
        ),
        # CP932, CRLF, the standard dataset's columns (市川市: outside Osaka, so refused row by row).
        _plain("evacuation_space.csv", "shelter", None, REAL / "shelters/standard_csv/122033_103_evacuation_space.csv"),
        _plain("clinics.csv", "clinic", None, FIXTURES / "clinics/osaka_city_mapnavi_hospital_clinic.csv"),
        _plain("272205.geojson", "shelter", "27220", minoh),
        _plain("nursery.geojson", "childcare", None, FIXTURES / "childcare/codeforsapporo_nursery_time_nulls.geojson"),
        _plain(
            "523855_tnm_6697_op.gml",
            "hazard_zone",
            None,
            REAL / "hazard/plateau_22203_numazu_citygml/523855_tnm_6697_op.gml",
            FIXTURES / "hazard_zones/plateau_numazu/523855_tnm_6697_op.gml",
        ),
        _zipped(
            "kindergarten.zip",
            "childcare",
            "27100",
            _first(REAL / "childcare/osaka_city_kindergarten_epsg6674"),
        ),
        _zipped(
            "kadoma.zip",
            "hazard_zone",
            "27223",
            _first(REAL / "boundaries/estat_h27_kogiki/門真市", FIXTURES / "boundaries/estat_h27_daito"),
        ),
        _converted(tmp, minoh, "GPKG", ".gpkg", "shelter", "27220"),
        _converted(tmp, minoh, "KML", ".kml", "shelter", "27220"),
    ]
    if not (REAL / "childcare/osaka_city_kindergarten_epsg6674").exists():
        with zipfile.ZipFile(FIXTURES / "childcare/osaka_city_kindergarten_epsg6674.zip") as zf:
            parts = {Path(i.filename).name: zf.read(i) for i in zf.infolist() if not i.is_dir()}
        found.append(Seed("kindergarten.zip", "childcare", "27100", parts))
    return [seed for seed in found if seed is not None]


# Mutations: bytes -> bytes, each with a name for the failure message.


def truncate(rng, data):
    return data[: rng.randrange(len(data))]


def flip_bits(rng, data):
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def zero_run(rng, data):
    start = rng.randrange(len(data))
    return data[:start] + b"\x00" * rng.randint(1, 64) + data[start + 64 :]


def insert_nuls(rng, data):
    at = rng.randrange(len(data))
    return data[:at] + b"\x00" * rng.randint(1, 4) + data[at:]


def wrong_encoding(rng, data):
    for source in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(source)
            break
        except UnicodeDecodeError:
            continue
    else:
        return flip_bits(rng, data)
    target = rng.choice(["utf-16", "cp932", "euc-jp", "latin-1", "utf-8"])
    return text.encode(target, errors="replace")


def huge_value(rng, data):
    at = rng.randrange(len(data))
    filler = rng.choice([b"A", "\u3042".encode(), b"9", b"\\u0000", b","])
    return data[:at] + filler * rng.choice([5_000, 50_000, 200_000]) + data[at:]


def huge_number(rng, data):
    digits = [i for i in range(len(data)) if 48 <= data[i] <= 57]
    if not digits:
        return huge_value(rng, data)
    at = rng.choice(digits)
    number = rng.choice([b"9" * 400, b"1e999", b"-1e308", b"NaN", b"Infinity", b"1" * 5000])
    return data[:at] + number + data[at + 1 :]


def drop_or_double_line(rng, data):
    lines = data.split(b"\n")
    if len(lines) < 3:
        return truncate(rng, data)
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        del lines[i]
    else:
        lines.insert(i, lines[i])
    return b"\n".join(lines)


MUTATIONS = (truncate, flip_bits, zero_run, insert_nuls, wrong_encoding, huge_value, huge_number, drop_or_double_line)


def cases(seeds):
    """(description, seed, uploaded bytes) in a fixed order."""
    rng = random.Random(RANDOM_SEED)  # noqa: S311 -- reproducible cases, not secrets
    while True:
        seed = rng.choice(seeds)
        mutation = rng.choice(MUTATIONS)
        if len(seed.members) > 1 and rng.random() < 0.8:
            member = rng.choice(sorted(seed.members))  # damage one part of the zip, zip it again
            members = dict(seed.members)
            members[member] = mutation(rng, members[member]) if members[member] else members[member]
            yield f"{seed.name}: {mutation.__name__} of {member}", seed, seed.upload_bytes(members)
        else:
            data = seed.upload_bytes()
            yield f"{seed.name}: {mutation.__name__}", seed, mutation(rng, data)


def test_damaged_real_files_never_crash_leak_or_half_publish(db, seeds, tmp_path, monkeypatch):
    private_tmp = tmp_path / "private"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    layers = {kind: make_layer(slug=f"fuzz-{kind}", kind=kind) for kind in {s.kind for s in seeds}}
    municipalities = {m.code: m for m in Municipality.objects.all()}

    started, ran, outcomes = time.monotonic(), 0, {}
    for number, (description, seed, data) in enumerate(cases(seeds)):
        if ran >= MAX_CASES or time.monotonic() - started > BUDGET_SECONDS:
            break
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        upload = folder / seed.name
        upload.write_bytes(data)
        layer = layers[seed.kind]
        layer.refresh_from_db()
        version_before, features_before = layer.version, Feature.objects.filter(layer=layer).count()
        municipality = municipalities.get(seed.municipality) if seed.municipality else None
        where = f"case {number} ({description}), file kept at {upload}"

        try:
            result = run_import(upload, layer=layer, municipality=municipality, mode="replace")
        except Exception as exc:  # the whole point: this must never happen
            pytest.fail(f"{where}: {type(exc).__name__}: {exc}")

        ran += 1
        outcomes[result.run.status] = outcomes.get(result.run.status, 0) + 1
        assert result.run.pk is not None, f"{where}: the report was not stored"
        unexpected = [str(f) for f in result.findings if f.code == "unexpected_error"]
        assert not unexpected, f"{where}: {unexpected}"
        assert all(f.message_ja and f.message_en for f in result.findings), where
        layer.refresh_from_db()
        if result.published:
            assert not result.errors, where
            scope = Feature.objects.filter(layer=layer)
            if municipality is not None:
                scope = scope.filter(municipality=municipality)
            assert scope.count() == result.accepted, f"{where}: published {scope.count()} of {result.accepted}"
        else:
            assert result.errors, f"{where}: not published, yet no error says why"
            assert layer.version == version_before, f"{where}: the layer changed without a publish"
            assert Feature.objects.filter(layer=layer).count() == features_before, f"{where}: partial publish"
        assert list(private_tmp.iterdir()) == [], f"{where}: temporary files left"
        assert [p.name for p in folder.iterdir()] == [seed.name], f"{where}: files left next to the upload"

    assert ran >= min(MAX_CASES, 40), f"only {ran} cases ran in {BUDGET_SECONDS}s"
    assert outcomes.get("refused"), outcomes  # the mutations did damage files
