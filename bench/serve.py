"""WSGI entry for gunicorn: `gunicorn -w 2 'bench.serve:app'` (BENCH_DATABASE_URL)."""
from .app import build_app

app = build_app()
