"""Shapefiles, usually zipped: .prj and .cpg honoured; the DBF's text encoding decided here, not by GDAL."""

import mmap
import struct

from pyproj import CRS
from pyproj.exceptions import CRSError

from ..decode import detect_encoding, normalise_encoding_name
from ..report import Finding, file_error, short
from .ogr import open_datasource, pick_layers, table_from_layers

FORMAT = "shapefile"

# DBF language driver IDs seen in Japanese data (byte 29 of the header).
LDID_ENCODINGS = {
    0x13: "cp932",
    0x4D: "gb2312",
    0x57: "cp1252",
    0x01: "cp437",
    0x03: "cp1252",
}


def can_read(upload) -> bool:
    return bool(upload.files(".shp"))


def dbf_encoding(shp_path, display_name, override=None) -> str:
    if override:
        return normalise_encoding_name(override)
    cpg = shp_path.with_suffix(".cpg")
    if not cpg.exists():
        cpg = next(
            (p for p in shp_path.parent.glob("*") if p.name.lower() == shp_path.stem.lower() + ".cpg"),
            cpg,
        )
    if cpg.exists():
        name = cpg.read_text(encoding="ascii", errors="ignore").strip()
        if name.isdigit():  # ArcGIS writes code page numbers, e.g. 932
            name = f"cp{name}"
        return normalise_encoding_name(name)
    dbf = shp_path.with_suffix(".dbf")
    if not dbf.exists():
        raise file_error(
            "dbf_missing",
            f"{display_name}: .dbf がありません",
            f"{display_name}: the .dbf is missing",
        )
    data = dbf.read_bytes()
    ldid = data[29] if len(data) > 29 else 0
    if ldid in LDID_ENCODINGS:
        return LDID_ENCODINGS[ldid]
    return detect_encoding(data[32:], display_name)


def prj_crs(shp_path, display_name="") -> CRS | None:
    prj = shp_path.with_suffix(".prj")
    if not prj.exists():
        return None
    text = prj.read_text(encoding="utf-8", errors="replace")
    try:
        # Parsed by PROJ, not by GDAL's SRS importer, which cannot be kept off the file system.
        return CRS.from_wkt(text)
    except CRSError:
        raise file_error(
            "invalid_prj",
            f"{display_name}: {prj.name} の座標系を読めません。"
            "正しい .prj を入れるか、座標系を EPSG コードで指定してください",
            f"{display_name}: {prj.name} names no CRS PROJ can read; fix the .prj or give the CRS as an EPSG code",
            value=short(text),
        ) from None


def read(upload):
    shps = upload.files(".shp")
    if len(shps) > 1 and not upload.options.layer_name:
        names = ", ".join(p.name for p in shps)
        raise file_error(
            "several_shapefiles",
            f"{upload.name}: シェープファイルが複数あります。どれを読むか指定してください: {names}",
            f"{upload.name}: several shapefiles inside; choose one: {names}",
        )
    shp = next((p for p in shps if p.stem == upload.options.layer_name), shps[0])
    for needed in (".shx", ".dbf"):
        if not shp.with_suffix(needed).exists():
            raise file_error(
                "shapefile_part_missing",
                f"{upload.name}: {shp.stem}{needed} がありません",
                f"{upload.name}: {shp.stem}{needed} is missing",
            )
    check_record_counts(shp, upload.name)
    encoding = dbf_encoding(shp, upload.name, upload.options.encoding)
    # An uploader's CRS replaces the .prj, so a .prj PROJ cannot read does not stand in the way.
    crs = None if upload.options.srs else prj_crs(shp, upload.name)
    notes = []
    if not shp.with_suffix(".prj").exists():
        notes.append(
            Finding(
                "no_prj",
                ".prj がないため座標系が宣言されていません",
                "No .prj: the file declares no coordinate reference system",
                severity="warning",
            )
        )
    ds = open_datasource(shp, upload.name, encoding=encoding)
    return table_from_layers(FORMAT, pick_layers(ds, upload.name), upload.name, encoding, crs, notes)


def check_record_counts(shp_path, display_name):
    """The .shp, .shx and .dbf must hold the same records.

    GDAL reads as many features as the .dbf has records and drops the rest without a word, and it
    finds shapes through the .shx: a shapefile whose parts disagree would lose rows silently, or read
    shapes as null.
    """
    shapes = _shp_records(shp_path)
    index = _shx_entries(shp_path.with_suffix(".shx"))
    records = _dbf_record_count(shp_path.with_suffix(".dbf"), display_name)
    if not len(shapes) == len(index) == records:
        raise file_error(
            "shapefile_counts_differ",
            f"{display_name}: {shp_path.stem} の .shp の図形 {len(shapes):,} 件と .dbf の属性 {records:,} 件"
            f"（.shx の索引 {len(index):,} 件）が一致しません。同じ時に書き出されたファイルか確認してください",
            f"{display_name}: {shp_path.stem}.shp holds {len(shapes):,} shapes but the .dbf holds {records:,} "
            f"records (the .shx indexes {len(index):,}); the parts must come from the same export",
        )
    wrong = next((i for i, (a, b) in enumerate(zip(shapes, index, strict=True)) if a != b), None)
    if wrong is not None:
        raise file_error(
            "shapefile_index_mismatch",
            f"{display_name}: {shp_path.stem}.shx の {wrong + 1} 件目の索引が .shp と合いません",
            f"{display_name}: {shp_path.stem}.shx does not match the .shp from record {wrong + 1} on",
            row=wrong + 1,
        )


def _shp_records(path) -> list[tuple[int, int]]:
    """(offset, content length), both in 16-bit words as the .shx writes them, of every record in a .shp:
    the record headers (number, length; big-endian) after the 100-byte file header, up to the end of
    the file or the first header that does not fit."""
    size = path.stat().st_size
    records, offset = [], 100
    if size < offset + 8:
        return records
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        while offset + 8 <= size:
            _number, words = struct.unpack_from(">ii", data, offset)
            end = offset + 8 + 2 * words
            if words < 0 or end > size:
                break
            records.append((offset // 2, words))
            offset = end
    return records


def _shx_entries(path) -> list[tuple[int, int]]:
    data = path.read_bytes()[100:]
    return list(struct.iter_unpack(">ii", data[: len(data) // 8 * 8]))


def _dbf_record_count(path, display_name="") -> int:
    """Records a .dbf really holds: the header's count, unless the file ends sooner or a record does
    not start where it should (every record begins with its deletion flag, a space or '*')."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        header = fh.read(12)
        if len(header) < 12:
            return 0
        declared, header_length, record_length = struct.unpack("<IHH", header[4:12])
        if record_length == 0:
            return 0
        present = min(declared, max(0, size - header_length) // record_length)
        if present == 0:
            return 0
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            flags = data[header_length : header_length + present * record_length : record_length]
    misplaced = flags.translate(None, b" *")
    if misplaced:
        record = flags.index(misplaced[0]) + 1
        raise file_error(
            "dbf_damaged",
            f"{display_name}: {path.name} の {record} 件目以降の属性が壊れています（レコードの位置がずれています）",
            f"{display_name}: {path.name} is damaged from record {record} on (records are not where its header says)",
            row=record,
        )
    return present
