"""CSV with point coordinates: the standard open-data CSVs, GSI's shelter CSVs and municipal tables."""

from __future__ import annotations

import csv as pycsv
import io
import math
import unicodedata

from ..decode import decode_text
from ..report import Finding, file_error
from .base import SourceRow, SourceTable

FORMAT = "csv"

# Column names for coordinates, most common first. X/Y in degrees are lon/lat (GIS order).
LATITUDE_COLUMNS = (
    "緯度",
    "lat",
    "latitude",
    "y",
    "緯度(世界測地系)",
    "緯度（世界測地系）",
)
LONGITUDE_COLUMNS = (
    "経度",
    "lon",
    "lng",
    "long",
    "longitude",
    "x",
    "経度(世界測地系)",
    "経度（世界測地系）",
)


def can_read(upload) -> bool:
    return upload.path.is_file() and upload.suffix in (".csv", ".txt", ".tsv")


def normalise_header(name: str) -> str:
    return unicodedata.normalize("NFKC", name or "").strip().lstrip("\ufeff").replace(" ", "").lower()


def _find(columns, wanted, chosen=None):
    normalised = {normalise_header(c): c for c in columns}
    if chosen:
        if normalise_header(chosen) not in normalised:
            raise file_error(
                "coordinate_column_missing",
                f"指定された座標の列がありません: {chosen}",
                f"The chosen coordinate column is not in the file: {chosen}",
                field=chosen,
            )
        return normalised[normalise_header(chosen)]
    for name in wanted:
        if normalise_header(name) in normalised:
            return normalised[normalise_header(name)]
    return None


def _header_index(records, limit=10) -> int:
    """Some municipal CSVs put a title line above the header: take the first row that names columns."""
    known = {normalise_header(c) for c in LATITUDE_COLUMNS + LONGITUDE_COLUMNS} | {
        "名称", "施設名", "施設・場所名", "住所", "所在地", "no", "id", "共通id",
    }  # fmt: skip
    for index, record in enumerate(records[:limit]):
        if sum(normalise_header(cell) in known for cell in record) >= 2:
            return index
    return 0


def parse_coordinate(value) -> float | None:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return None
    number = float(text)  # ValueError for text
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def read(upload) -> SourceTable:
    from shapely.geometry import Point

    data = upload.path.read_bytes()
    text, encoding = decode_text(data, upload.name, upload.options.encoding)
    dialect = "excel-tab" if upload.suffix == ".tsv" else "excel"
    # csv handles quoted fields with embedded newlines, which line-based tools misread.
    reader = pycsv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        records = list(reader)
    except pycsv.Error as exc:  # e.g. a field over the size limit, or an unterminated quote at the end
        raise file_error(
            "csv_unreadable",
            f"{upload.name}: {reader.line_num} 行目を CSV として読めません（{exc}）",
            f"{upload.name}: line {reader.line_num} cannot be read as CSV ({exc})",
            row=reader.line_num,
        ) from None
    if not records:
        raise file_error(
            "empty_file",
            f"{upload.name}: 空のファイルです",
            f"{upload.name}: the file is empty",
        )
    start = _header_index(records)
    header = [h.lstrip("\ufeff").strip() for h in records[start]]
    notes = []
    if start:
        notes.append(
            Finding(
                "title_rows_skipped",
                f"見出し行の前の {start} 行を読み飛ばしました",
                f"Skipped {start} line(s) above the header row",
                severity="warning",
            )
        )
    lat_col = _find(header, LATITUDE_COLUMNS, upload.options.y_column)
    lon_col = _find(header, LONGITUDE_COLUMNS, upload.options.x_column)
    if lat_col is None or lon_col is None:
        raise file_error(
            "coordinate_columns_missing",
            f"{upload.name}: 緯度・経度の列が見つかりません（列: {', '.join(header)}）",
            f"{upload.name}: no latitude/longitude columns found (columns: {', '.join(header)})",
        )
    lat_index, lon_index = header.index(lat_col), header.index(lon_col)
    columns = [h for h in header if h]

    def rows():
        for number, record in enumerate(records[start + 1 :], start=1):
            if not any(cell.strip() for cell in record):
                continue
            attributes = {h: (record[i] if i < len(record) else "") for i, h in enumerate(header) if h}
            geometry, problem = None, None
            raw_lat = record[lat_index] if lat_index < len(record) else ""
            raw_lon = record[lon_index] if lon_index < len(record) else ""
            try:
                lat, lon = parse_coordinate(raw_lat), parse_coordinate(raw_lon)
                if lat is None or lon is None:
                    problem = (
                        "missing_coordinates",
                        "座標がありません",
                        "The row has no coordinates",
                    )
                else:
                    geometry = Point(lon, lat)
            except ValueError:
                problem = (
                    "invalid_coordinates",
                    f"座標が数値ではありません: {lat_col}={raw_lat!r}, {lon_col}={raw_lon!r}",
                    f"Coordinates are not numbers: {lat_col}={raw_lat!r}, {lon_col}={raw_lon!r}",
                )
            yield SourceRow(number, attributes, geometry, problem)

    return SourceTable(FORMAT, columns, rows(), encoding=encoding, crs=None, notes=notes)
