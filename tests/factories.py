"""Small helpers to make real input files and test objects."""

import json
import zipfile
from pathlib import Path

from layers.models import Layer

SUITA = "27205"
# Inside 吹田市 (Suita City Hall) and inside 大阪市北区 (Osaka Station).
SUITA_POINT = (135.5168, 34.7615)
OSAKA_KITA_POINT = (135.4959, 34.7025)


def make_layer(slug="test-shelters", kind="shelter", **extra):
    defaults = {"name_ja": "テスト", "name_en": "Test", "category": "disaster"}
    defaults.update(extra)
    return Layer.objects.create(slug=slug, kind=kind, **defaults)


def write_csv(path: Path, header, rows, encoding="utf-8", newline="\r\n") -> Path:
    def cell(value):
        text = str(value)
        return f'"{text}"' if any(c in text for c in ',"\n') else text

    lines = [",".join(cell(c) for c in header)] + [",".join(cell(c) for c in row) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_geojson(path: Path, features, **extra) -> Path:
    doc = {"type": "FeatureCollection", "features": features, **extra}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def point_feature(lon, lat, **properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def zip_files(path: Path, members: dict) -> Path:
    """members: name in the zip -> bytes or a Path to copy."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content.read_bytes() if isinstance(content, Path) else content)
    return path
