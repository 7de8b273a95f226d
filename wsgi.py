"""Entry point for gunicorn and `flask --app wsgi`."""
import gc

from portal import create_app

app = create_app()
# Everything built so far (modules, the app, its templates and caches) lives as long as the
# worker: keep the cyclic garbage collector from re-scanning it on every collection. On a
# list page that is ~1 ms of CPU per request (bench/README.md).
gc.freeze()
