"""WSGI entry for gunicorn: `gunicorn -w 2 'bench.serve:app'` (BENCH_DATABASE_URL).

Built like wsgi.py, the production entry point: the app, then gc.freeze().
"""

import gc

from .app import build_app

app = build_app()
gc.freeze()
