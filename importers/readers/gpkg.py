"""GeoPackage: the layer's own spatial reference from gpkg_spatial_ref_sys."""

from .ogr import crs_of_layer, open_datasource, pick_layers, table_from_layers

FORMAT = "gpkg"


def can_read(upload) -> bool:
    return upload.path.is_file() and upload.suffix == ".gpkg"


def read(upload):
    ds = open_datasource(upload.path, upload.name)
    layers = pick_layers(ds, upload.name, upload.options.layer_name)
    crs = None if upload.options.srs else crs_of_layer(layers[0], upload.name)
    return table_from_layers(FORMAT, layers, upload.name, "utf-8", crs)
