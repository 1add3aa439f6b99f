"""WSGI entry point: at scale, pages and the API run here under gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

application = get_wsgi_application()

# The Korean analyzer loaded before the first request, not in it.
from listings.korean import warm_up  # noqa: E402

warm_up()
