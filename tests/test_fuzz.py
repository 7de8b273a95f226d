"""Nothing a user can send gives a 5xx: every route of every admin view, as every role.

Routes come from the app's URL map (so views added later are fuzzed without being named
here); each is requested by each role and by nobody signed in, with junk, huge, negative,
empty and repeated query and form values, on GET and POST (POSTs carry a valid CSRF token
and the form's own field names, so forms are really processed). Seeded and bounded: a few
thousand requests. On SQLite and MariaDB alike.
"""

import random
import re
from urllib.parse import quote, urlencode

import pytest
from werkzeug.datastructures import MultiDict

from portal import access
from portal.extensions import db

from .conftest import csrf_from

SEED = 12
VARIATIONS = 4  # requests per route, method and role
ROLES = [access.PLATFORM_ADMIN, access.CINEMA_MANAGER, access.CONTENT_EDITOR, access.AUDITOR, None]
HUGE = "9223372036854775807"
VALUES = [
    "",
    " ",
    "0",
    "1",
    "2",
    "-1",
    "-2147483649",
    "2147483648",
    HUGE,
    "-" + HUGE,
    "99999999999999999999999",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "0.5",
    "-0.01",
    "45.00",
    "abc",
    "x" * 3000,
    "'; DROP TABLE movie; --",
    '" OR 1=1',
    "<script>alert(1)</script>",
    "影院🎬",
    "\u202e\u0000",
    "../../etc/passwd",
    "%s%s%n",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "9999-12-31",
    "9999-12-31 23:00",
    "9999-12-31 23:59:59",
    "0001-01-01",
    "0000-00-00",
    "2024-02-30",
    "2024-13-01 25:61:00",
    "23:00",
    "10:00, 25:00",
    "24:00",
    "csv",
    "xlsx",
    "POST",
    "DELETE",
    "scheduled",
    "cancelled",
    "delete",
    "cancel",
    "put_on_sale",
    "zh_Hans_CN",
    "en",
    "xx",
    "/admin/",
    "//evil.example/",
    "javascript:alert(1)",
    "custom",
    "month",
    "last_30",
    "this_week",
    "city",
    "hour",
    "9999-12",
    "0001-01",
]
QUERY_NAMES = [
    "page",
    "page_size",
    "sort",
    "desc",
    "search",
    "id",
    "url",
    "name",
    "query",
    "offset",
    "limit",
    "cinema_id",
    "date",
    "lang",
    "flt0_0",
    "flt1_1",
    "flt2_5",
    "flt0_99",
    "flt0_x",
    "export_type",
    "_method",
    "endpoint",
    "_external",
    "_anchor",
    "modal",
    "next",
    "action",
    "rowid",
    "list_form_pk",
    "csrf_token",
    "period",
    "group",
    "start",
    "end",
    "month",
]
PATH_VALUES = ["csv", "x", "xlsx", "CSV", "0", "-1", HUGE, "..", "影院", "a" * 300]


def admin_routes(app):
    """(rule, methods) of every route of every admin view, from the URL map."""
    endpoints = {view.endpoint for view in app.extensions["admin"][0]._views}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint.split(".")[0] in endpoints and not rule.endpoint.endswith(".static"):
            yield rule, sorted(rule.methods & {"GET", "POST"})


def path_for(rule, rng):
    """The rule's path with a value (often junk) for each of its variables."""
    return re.sub(
        r"<(?:[^:>]+:)?[^>]+>", lambda _m: quote(rng.choice(PATH_VALUES), safe=""), rule.rule
    )


def junk_pairs(rng, names, count):
    """`count` (name, value) pairs: known names, random ones, repeated names, row ids."""
    pairs = []
    for _ in range(count):
        name = (
            rng.choice(names)
            if rng.random() < 0.85
            else "".join(rng.choice("abcxyz_0123456789") for _ in range(rng.randint(1, 12)))
        )
        value = rng.choice(VALUES) if rng.random() < 0.8 else str(rng.randint(-3, 40))
        pairs.append((name, value))
        if rng.random() < 0.2:
            pairs.append((name, rng.choice(VALUES)))  # the same name again
    return pairs


def form_field_names(client, url):
    """The names of the fields of the form at `url` (GET), or () when it shows none."""
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.content_type:
        return ()
    return tuple(sorted(set(re.findall(r'name="([^"]+)"', response.text)) - {"csrf_token"}))


@pytest.fixture()
def world(make):
    """A few rows of everything, so that ids, look-ups and forms have something to find."""
    cinema = make.cinema(name="=1+1")
    schedule = make.schedule(hall=make.hall(cinema=cinema))
    make.schedule()
    return cinema, schedule


def sign_in(client, role, cinema, login_as):
    if role is None:
        return ""
    login_as(role, cinemas=[cinema] if role == access.CINEMA_MANAGER else ())
    return csrf_from(client.get("/login", follow_redirects=True).text)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_no_request_to_any_admin_route_gives_a_5xx(app, client, login_as, world, role):
    rng = random.Random(f"{SEED}-{role}")
    token = sign_in(client, role, world[0], login_as)
    forms, failures, sent = {}, [], 0
    for rule, methods in admin_routes(app):
        for method in methods:
            for _ in range(VARIATIONS):
                path = path_for(rule, rng)
                query = junk_pairs(rng, QUERY_NAMES, rng.randint(0, 4))
                url = path + ("?" + urlencode(query) if query else "")
                if method == "GET":
                    request = {}
                else:
                    key = (rule.rule, role)
                    if key not in forms:
                        forms[key] = form_field_names(client, path) if "GET" in methods else ()
                    names = list(forms[key]) + QUERY_NAMES
                    data = junk_pairs(rng, names, rng.randint(1, 2 * len(forms[key]) + 3))
                    if rng.random() < 0.9:
                        data.append(("csrf_token", token))
                    request = {"data": MultiDict(data)}
                sent += 1
                try:  # the testing app re-raises what a server would answer with a 500
                    status = client.open(url, method=method, **request).status_code
                except Exception as exc:  # noqa: BLE001 (any error is the finding)
                    status = f"500 ({type(exc).__name__}: {str(exc)[:200]})"
                if not isinstance(status, int) or status >= 500:
                    failures.append((method, url[:300], str(request)[:300], status))
                db.session.rollback()
    assert sent > 300
    assert not failures, f"{len(failures)} of {sent} requests failed: {failures[:15]}"
