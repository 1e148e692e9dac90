"""Open-data CSV export in the standard column names of each layer kind (推奨データセット / 自治体標準).

Rows stream from a server-side cursor, so a prefecture-wide layer never sits in memory.
"""

import csv
import io
import json

from django.db import connection

from ..kinds.base import BOOLEAN, CODE, CODES, TAGS
from ..models import check_digit
from .selection import FROM_FEATURES, Selection

ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "cp932": "cp932", "shift_jis": "cp932", "sjis": "cp932"}
# Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_ROWS_SQL = """
SELECT m.code, m.name_ja, w.name_ja, feat.source_id, feat.name, feat.name_kana, feat.address,
       ST_Y(ST_PointOnSurface(feat.geom)), ST_X(ST_PointOnSurface(feat.geom)), feat.properties
{from_}
WHERE {where}
ORDER BY feat.id
LIMIT %(limit)s OFFSET %(offset)s
"""


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _field_columns(kind):
    """[(header, function properties → cell)] for the kind's fields, in declaration order."""
    columns = []
    for f in kind.fields:
        if f.type == CODES and any(c.flag_columns for c in f.codes):
            # One 0/1 flag column per code, as the shelter standard lists disaster types.
            for code in f.codes:
                header = code.flag_columns[0] if code.flag_columns else code.label_ja
                columns.append((header, lambda p, n=f.name, v=code.value: "1" if v in (p.get(n) or []) else ""))
            continue
        header = f.columns[0] if f.columns else f.label_ja
        if f.type == CODE:
            columns.append((header, lambda p, f=f: _label(f, p.get(f.name))))
        elif f.type == CODES:
            columns.append((header, lambda p, f=f: ";".join(_label(f, v) for v in p.get(f.name) or [])))
        elif f.type == BOOLEAN:
            columns.append((header, lambda p, n=f.name: {True: "1", False: "0"}.get(p.get(n), "")))
        elif f.type == TAGS:
            columns.append((header, lambda p, n=f.name: ";".join(p.get(n) or [])))
        else:
            columns.append((header, lambda p, n=f.name: p.get(n)))
    return columns


def _label(f, value):
    code = f.code(value) if value is not None else None
    return code.label_ja if code else ("" if value is None else value)


def header(kind):
    common = [
        "全国地方公共団体コード",
        (kind.source_id_columns or ("ID",))[0],
        "地方公共団体名",
        (kind.name_columns or ("名称",))[0],
        (kind.name_kana_columns or ("名称_カナ",))[0],
        (kind.address_columns or ("住所",))[0],
        "緯度",
        "経度",
    ]
    return common + [h for h, _ in _field_columns(kind)]


def _rows(selection: Selection, kind, limit=None, offset=0, chunk=2000):
    columns = [fn for _, fn in _field_columns(kind)]
    where, params = selection.where()
    params.update(limit=limit, offset=offset)
    with connection.chunked_cursor() as cursor:
        cursor.execute(_ROWS_SQL.format(from_=FROM_FEATURES, where=where), params)
        while batch := cursor.fetchmany(chunk):
            for code, city, ward, source_id, name, kana, address, lat, lon, props in batch:
                props = json.loads(props) if isinstance(props, str) else props
                common = [code + check_digit(code), source_id, city + (ward or ""), name, kana, address]
                yield (
                    [safe_cell(v) for v in common]
                    + [f"{lat:.7f}", f"{lon:.7f}"]
                    + [safe_cell(fn(props)) for fn in columns]
                )


def csv_chunks(selection: Selection, kind, encoding="utf-8", *, limit=None, offset=0, rows_per_chunk=500):
    """Encoded CSV in chunks: a BOM (UTF-8) or CP932 for Excel, CRLF line ends as RFC 4180 has them."""
    codec = ENCODINGS[encoding]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(kind))
    first = True
    pending = 1
    for row in _rows(selection, kind, limit, offset):
        writer.writerow(row)
        pending += 1
        if pending >= rows_per_chunk:
            yield _encode(buffer, codec, first)
            first, pending = False, 0
    yield _encode(buffer, codec, first)


def _encode(buffer, codec, first):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if codec == "utf-8-sig" and not first:
        return text.encode("utf-8")
    # A character CP932 lacks (rare kanji variants) becomes "?" rather than failing the whole export.
    return text.encode(codec, errors="replace")
