import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from operations.warmup import warm_up  # noqa: E402 - needs the app loaded (get_wsgi_application sets Django up)

warm_up()  # in gunicorn's master (preload_app) before the workers fork: see operations/warmup.py
