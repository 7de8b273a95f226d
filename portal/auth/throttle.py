"""The sign-in throttle: failed sign-ins counted per username in shared storage.

Storage comes from RATELIMIT_STORAGE_URI (in-memory by default, `redis://...` when several
processes serve), through `limits`, the engine under Flask-Limiter. It is kept per app rather
than on the module-level Flask-Limiter object so that two apps never share a counter by
accident (tests build several).
"""
from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

NAMESPACE = "portal-login-failure"


class LoginThrottle:
    def __init__(self, storage_uri, limit):
        self.storage = storage_from_string(storage_uri)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.item = parse(limit)

    @staticmethod
    def _key(username):
        return (username or "").strip().lower()

    def is_blocked(self, username):
        """Whether `username` used up its failed sign-ins in the current window."""
        return not self.limiter.test(self.item, NAMESPACE, self._key(username))

    def record_failure(self, username):
        self.limiter.hit(self.item, NAMESPACE, self._key(username))

    def clear(self, username):
        self.limiter.clear(self.item, NAMESPACE, self._key(username))


def init_throttle(app):
    app.extensions["login_throttle"] = LoginThrottle(app.config["RATELIMIT_STORAGE_URI"],
                                                     app.config["LOGIN_FAILURE_LIMIT"])


def login_throttle():
    return current_app.extensions["login_throttle"]
