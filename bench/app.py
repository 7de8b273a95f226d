"""The app the benchmark measures: the real portal, plus a stock Flask-Admin and a floor page.

- `/admin/...`: the portal as shipped (SecuredModelView, FastListMixin: scope, capped count,
  deferred join).
- `/stock/...`: stock Flask-Admin `ModelView`s over the same tables with the same columns,
  filters, search and sorts (scoped with a plain filter for a manager): the baseline.
- `/floor/<list>`: a hand-written Flask + Jinja page with one joined query: the floor.
- `/bench/session`: only the signed-in user's own queries (user, roles, permissions, scope),
  so a page's queries can be told apart from the sign-in's.
"""

from flask import Blueprint, abort, render_template_string, request
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access
from portal.admin_views.catalogue import MovieView
from portal.admin_views.scheduling import ScheduleView
from portal.admin_views.venues import CinemaView, HallView
from portal.extensions import db
from portal.models import Cinema, City, Hall, Movie, Schedule

from .common import BENCH_URL, bench_app

COPIED = (
    "column_list",
    "column_labels",
    "column_searchable_list",
    "column_filters",
    "column_sortable_list",
    "column_default_sort",
    "column_formatters",
)
LISTS = {
    "schedule": (Schedule, ScheduleView),
    "hall": (Hall, HallView),
    "movie": (Movie, MovieView),
    "cinema": (Cinema, CinemaView),
}


class StockView(ModelView):
    """Flask-Admin as it comes; a manager's rows filtered the obvious way."""

    page_size = 25
    page_size_options = (25, 50, 100)  # the portal's; Flask-Admin's (20, 50, 100) lacks 25
    can_set_page_size = True

    def is_accessible(self):
        return current_user.is_authenticated

    def get_query(self):
        return access.scope_query(super().get_query(), self.model)

    def get_count_query(self):
        return access.scope_query(super().get_count_query(), self.model)


def add_stock_admin(app):
    admin = Admin(
        app,
        name="Stock",
        url="/stock",
        endpoint="stock",
        theme=Bootstrap4Theme(base_template="admin/portal_base.html", fluid=True),
    )
    for name, (model, portal_view) in LISTS.items():
        attrs = {
            key: getattr(portal_view, key)
            for key in COPIED
            if getattr(portal_view, key, None) is not None
        }
        view_class = type(f"Stock{model.__name__}View", (StockView,), attrs)
        admin.add_view(
            view_class(model, db.session, endpoint=f"stock_{name}", url=f"/stock/{name}")
        )
    return admin


FLOOR_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ name }}</title>
</head><body><table class="table"><thead><tr>{% for c in columns %}<th>{{ c }}</th>
{% endfor %}</tr></thead><tbody>{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table></body></html>"""


def floor_query(name, cinema_id):
    """One joined query per list, in the list's default order."""
    if name == "schedule":
        query = (
            select(
                Schedule.id,
                Schedule.starts_at,
                Schedule.ends_at,
                Movie.title,
                Cinema.name,
                Hall.name,
                Schedule.price,
                Schedule.language_version,
                Schedule.status,
            )
            .join(Movie, Movie.id == Schedule.movie_id)
            .join(Hall, Hall.id == Schedule.hall_id)
            .join(Cinema, Cinema.id == Hall.cinema_id)
            .order_by(Schedule.starts_at.desc(), Schedule.id.desc())
        )
        return query.where(Hall.cinema_id == cinema_id) if cinema_id else query
    if name == "hall":
        query = (
            select(
                Hall.id,
                Cinema.name,
                Hall.name,
                Hall.hall_type,
                Hall.seat_rows,
                Hall.seat_cols,
                Hall.is_active,
            )
            .join(Cinema, Cinema.id == Hall.cinema_id)
            .order_by(Hall.cinema_id, Hall.name)
        )
        return query.where(Hall.cinema_id == cinema_id) if cinema_id else query
    if name == "movie":
        return select(
            Movie.id,
            Movie.title,
            Movie.director,
            Movie.genres,
            Movie.duration_minutes,
            Movie.release_date,
            Movie.status,
            Movie.rating,
        ).order_by(Movie.release_date.desc(), Movie.id.desc())
    if name == "cinema":
        query = (
            select(
                Cinema.id,
                Cinema.name,
                City.name,
                Cinema.address,
                Cinema.phone,
                Cinema.is_active,
                Cinema.created_at,
            )
            .join(City, City.id == Cinema.city_id)
            .order_by(Cinema.name)
        )
        return query.where(Cinema.id == cinema_id) if cinema_id else query
    abort(404)


def add_floor(app):
    bp = Blueprint("floor", __name__)

    @bp.route("/floor/<name>")
    def floor(name):
        page = request.args.get("page", 0, type=int)
        cinema_id = request.args.get("cinema", 0, type=int)
        query = floor_query(name, cinema_id).limit(25).offset(page * 25)
        if not cinema_id:
            # As written by hand for MariaDB: walk the list's own table in index order
            # (a cinema's rows are found from its halls instead).
            query = query.prefix_with("STRAIGHT_JOIN", dialect="mysql")
        result = db.session.execute(query)
        return render_template_string(
            FLOOR_TEMPLATE, name=name, columns=list(result.keys()), rows=result.all()
        )

    @bp.route("/bench/session")
    @login_required
    def session_only():
        codes = access.user_permissions()
        access.cinema_scope()
        return f"{current_user.username} {len(codes)}"

    app.register_blueprint(bp)


def build_app(url=BENCH_URL, **overrides):
    app = bench_app(url, **overrides)
    add_stock_admin(app)
    add_floor(app)
    return app
