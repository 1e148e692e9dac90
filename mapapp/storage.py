from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files, with ES module imports rewritten to the hashed names too.

    The map's modules import each other; without this, main.js would get a new name on each deploy
    but still import the old, unhashed layers.js, which browsers may keep cached.
    """

    support_js_module_import_aggregation = True
