"""The portal's one cache: values that depend on nothing but their key.

Menus, asset tags, Flask-Admin's template texts, url_for results, translated labels,
formatted prices and times, capped counts: each is computed from its key alone (the key
names everything the value depends on: language, permissions, page, arguments), so it can
be kept instead of computed again on every request. One store per app, bounded (the oldest
entry goes first), emptied by `clear()`; with PORTAL_FAST_LISTS off nothing is kept.
"""

import threading
import time

from flask import current_app, has_app_context

_MISSING = object()


class Memo:
    """A bounded key -> value store; an entry may carry an expiry (seconds from now)."""

    def __init__(self, size=20000):
        self.size = size
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key, default=None):
        entry = self._entries.get(key)
        if entry is None or (entry[1] is not None and entry[1] <= time.monotonic()):
            return default
        return entry[0]

    def put(self, key, value, seconds=None):
        expires = None if seconds is None else time.monotonic() + seconds
        with self._lock:
            while len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (value, expires)
        return value

    def remember(self, key, build):
        value = self.get(key, _MISSING)
        return self.put(key, build()) if value is _MISSING else value

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


def init_memo(app):
    app.extensions["portal_memo"] = Memo(int(app.config.get("PORTAL_MEMO_SIZE", 20000)))


def current_memo():
    """This app's memo, or None outside an app or with PORTAL_FAST_LISTS off."""
    if not has_app_context() or not current_app.config.get("PORTAL_FAST_LISTS", True):
        return None
    return current_app.extensions.get("portal_memo")


def remember(key, build):
    """The value kept under `key`, built (and kept) on first use."""
    memo = current_memo()
    return build() if memo is None else memo.remember(key, build)


def clear(app=None):
    """Forget every kept value of `app` (default: the current app)."""
    memo = (app or current_app).extensions.get("portal_memo")
    if memo is not None:
        memo.clear()
