"""What a request to an admin view may carry: bounds on what a user can type into a URL or form.

Flask-Admin trusts its query arguments: it passes unknown ones on to `url_for` (where
`_method` or `endpoint` mean something else), pages and look-ups go to the database as
OFFSET/LIMIT whatever their size, and integer fields accept numbers no column can store.
Each bound lives here, once, and the base view calls it.
"""

from urllib.parse import urlencode

from flask import redirect, request
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from flask_admin.model.form import converts
from sqlalchemy import BigInteger, SmallInteger
from wtforms import validators

# The largest OFFSET a page or a look-up may ask for: far past any real list, and within
# what SQLite (64-bit) and MySQL accept once multiplied by a page size and added to a count.
MAX_OFFSET = 2**31 - 1
# Query argument names Flask-Admin's links cannot carry: `url_for` reads `_method`,
# `_external`, `_anchor`, `_scheme` itself, `get_url` takes `endpoint`, and the list
# template passes `export_type` next to the request's own arguments.
RESERVED_ARG_NAMES = frozenset({"endpoint", "export_type"})


def is_reserved_arg(name):
    return name.startswith("_") or name in RESERVED_ARG_NAMES


def without_reserved_args():
    """A redirect to the same GET address without the arguments its links cannot carry;
    None when there are none (nothing a list means is lost: these are no list arguments)."""
    if request.method not in ("GET", "HEAD"):
        return None
    names = set(request.args)
    if not any(is_reserved_arg(name) for name in names):
        return None
    kept = [(k, v) for k, v in request.args.items(multi=True) if not is_reserved_arg(k)]
    return redirect(request.path + (f"?{urlencode(kept)}" if kept else ""), code=302)


def clamp_page(page, page_size):
    """A page number at least 0 whose first row lies within MAX_OFFSET (an empty page past
    the end rather than a number the database cannot take)."""
    page = max(0, page or 0)
    return min(page, MAX_OFFSET // max(1, page_size or 1))


def clamp_lookup(offset, limit, page_size):
    """A select2 look-up's offset and limit: from the first row, at most one page."""
    most = max(DEFAULT_PAGE_SIZE, page_size or 0)
    offset = min(max(0, offset or 0), MAX_OFFSET)
    limit = most if limit is None else min(max(1, limit), most)
    return offset, limit


def integer_bounds(column_type):
    """The values an integer column can store (MySQL's signed SMALLINT, INT, BIGINT)."""
    bits = (
        16
        if isinstance(column_type, SmallInteger)
        else 64
        if isinstance(column_type, BigInteger)
        else 32
    )
    if getattr(column_type, "unsigned", False):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


class BoundedModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, whose integer fields refuse what the column cannot store
    (a translated message instead of an overflow from the database)."""

    @converts("Integer")
    def handle_integer_types(self, column, field_args, **extra):
        checks = field_args["validators"]
        if not any(isinstance(check, validators.NumberRange) for check in checks):
            low, high = integer_bounds(column.type)
            checks.append(validators.NumberRange(min=low, max=high))
        return super().handle_integer_types(column=column, field_args=field_args, **extra)
