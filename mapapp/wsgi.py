import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
django_application = get_wsgi_application()

# Imported after Django is set up: the fast path uses the tile view and its settings.
from layers.tiles.fastpath import TileFastPath  # noqa: E402

application = TileFastPath(django_application)
