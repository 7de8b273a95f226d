"""Static files under versioned URLs, kept by browsers for a year.

Every URL built for a static file (the portal's own and Flask-Admin's) carries `v=`, a hash
of the file's content; a request whose `v` matches the file is answered with a year's
`max-age` and `immutable`, so a page costs no requests for its ~20 scripts and styles. A new
file has a new hash, hence a new URL. Requests without `v`, or with an old one, keep Flask's
`no-cache` (revalidated with the ETag).
"""

import hashlib
import os
from functools import lru_cache

from flask import current_app, request

LONG_MAX_AGE = 365 * 24 * 3600
VERSION_ARG = "v"


def _static_folder(endpoint):
    """The folder behind a static endpoint (`static` or `<blueprint>.static`), or None."""
    if endpoint == "static":
        return current_app.static_folder
    name, _, view = (endpoint or "").rpartition(".")
    if view != "static":
        return None
    blueprint = current_app.blueprints.get(name)
    return getattr(blueprint, "static_folder", None)


def file_version(endpoint, filename):
    """A short hash of the static file's content, or None when there is no such file."""
    folder = _static_folder(endpoint)
    if not folder or not filename:
        return None
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return _content_hash(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1024)
def _content_hash(path, _mtime_ns, _size):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def add_version(endpoint, values):
    """url_defaults: a static file's URL gets `v=<hash of its content>`."""
    if endpoint and (endpoint == "static" or endpoint.endswith(".static")):
        version = file_version(endpoint, values.get("filename"))
        if version:
            values[VERSION_ARG] = version


def cache_versioned(response):
    """after_request: a static file asked for by its current version is kept for a year."""
    endpoint = request.endpoint
    if (
        response.status_code not in (200, 304)
        or not endpoint
        or not (endpoint == "static" or endpoint.endswith(".static"))
    ):
        return response
    asked = request.args.get(VERSION_ARG)
    filename = (request.view_args or {}).get("filename")
    if asked and asked == file_version(endpoint, filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = LONG_MAX_AGE
        response.cache_control.immutable = True
    return response


def init_static_files(app):
    app.url_defaults(add_version)
    app.after_request(cache_versioned)
