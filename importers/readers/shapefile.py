"""Shapefiles, usually zipped: .prj and .cpg honoured; the DBF's text encoding decided here, not by GDAL."""

from pyproj import CRS

from ..decode import detect_encoding, normalise_encoding_name
from ..report import Finding, file_error
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


def prj_crs(shp_path) -> CRS | None:
    prj = shp_path.with_suffix(".prj")
    if not prj.exists():
        return None
    # Parsed by PROJ, not by GDAL's SRS importer, which cannot be kept off the file system.
    return CRS.from_wkt(prj.read_text(encoding="utf-8", errors="replace"))


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
    encoding = dbf_encoding(shp, upload.name, upload.options.encoding)
    crs = prj_crs(shp)
    notes = []
    if crs is None:
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
