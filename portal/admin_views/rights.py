"""Screening rights: scoped by cinema, granted one at a time or to many cinemas at once."""

from flask import flash, redirect
from flask_admin import expose
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.fields import AjaxSelectField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, DecimalField
from wtforms.validators import InputRequired, NumberRange

from .. import access
from ..extensions import db
from ..i18n import format_day, punctuation
from ..models import Cinema, City, ScreeningRight
from ..services.rights import MAX_SHARE, check_right, ending_with_later_shows, grant_rights
from ..services.rules import RuleViolation
from .base import PortalForm, SecuredModelView


class CinemaChoices(QuerySelectMultipleField):
    """Flask-Admin's multiple choice, refusing an id that is not offered: its pre_validate
    reads the invalid-choice flag before the data that sets it has been read."""

    def pre_validate(self, form):
        self.data  # noqa: B018 (matches the posted ids against the offered rows)
        super().pre_validate(form)


class EndingWithLaterShows(BaseSQLAFilter):
    """Rights ending within a week while shows of the film are scheduled after the end."""

    def apply(self, query, value, alias=None):
        return query.filter(ending_with_later_shows())

    def operation(self):
        return _l("yes")


NAMED_IN_FLASH = 5  # a grant's flash names this many cinemas, then "…"


def granted_message(rights):
    """Granted 3 screening rights: 流浪地球2; 万达影城，星河影城; 2026年12月1日–2026年12月31日."""
    first = rights[0]
    cinemas = [right.cinema.name for right in rights]
    shown = punctuation("comma").join(cinemas[:NAMED_IN_FLASH]) + (
        "…" if len(cinemas) > NAMED_IN_FLASH else ""
    )
    return _(
        "Granted %(count)s screening rights: %(movie)s; %(cinemas)s; %(first)s–%(last)s.",
        count=len(rights),
        movie=first.movie.title,
        cinemas=shown,
        first=format_day(first.starts_on),
        last=format_day(first.ends_on),
    )


# Its position among the view's filters: the dashboard links to `?flt0_0=1`.
ENDING_FILTER_INDEX = 0


def grant_form(view):
    """The bulk grant: one movie, a city's cinemas and/or chosen cinemas, one date range."""

    class GrantRightsForm(PortalForm):
        movie = AjaxSelectField(
            view._form_ajax_refs["movie"], _l("Movie"), validators=[InputRequired()]
        )
        city = QuerySelectField(
            _l("Every cinema of a city"),
            allow_blank=True,
            blank_text="—",
            query_factory=lambda: (
                db.session.query(City)
                .filter(
                    City.id.in_(
                        select(access.scoped(Cinema).with_entities(Cinema.city_id).subquery())
                    )
                )
                .order_by(City.letter, City.pinyin)
            ),
        )
        cinemas = CinemaChoices(
            _l("Chosen cinemas"), query_factory=lambda: access.scoped(Cinema).order_by(Cinema.name)
        )
        starts_on = DateField(_l("First day"), validators=[InputRequired()])
        ends_on = DateField(_l("Last day"), validators=[InputRequired()])
        distributor_share = DecimalField(
            _l("Distributor's share (%)"),
            places=2,
            validators=[InputRequired(), NumberRange(min=0, max=MAX_SHARE)],
        )

    return GrantRightsForm()


class ScreeningRightView(SecuredModelView):
    resource = "right"
    view_actions = {"grant_view": "create"}
    list_template = "admin/screeningright_list.html"
    column_list = ("movie", "cinema", "starts_on", "ends_on", "distributor_share")
    column_list_related = {"movie": ("title",), "cinema": ("name",)}
    column_labels = {
        "movie": _l("Movie"),
        "movie.title": _l("Movie"),
        "cinema": _l("Cinema"),
        "cinema.name": _l("Cinema"),
        "starts_on": _l("First day"),
        "ends_on": _l("Last day"),
        "distributor_share": _l("Distributor's share (%)"),
    }
    column_searchable_list = ("movie.title", "cinema.name")
    column_filters = (
        EndingWithLaterShows(ScreeningRight.ends_on, _l("Ends within 7 days, shows after the end")),
        "movie.title",
        "cinema.name",
        "ends_on",
    )
    column_sortable_list = (
        ("movie", "movie.title"),
        ("cinema", "cinema.name"),
        "starts_on",
        "ends_on",
        "distributor_share",
    )
    column_default_sort = [("ends_on", False), ("id", False)]
    column_formatters_export = {
        "movie": lambda v, c, m, n: m.movie.title,
        "cinema": lambda v, c, m, n: m.cinema.name,
        "distributor_share": lambda v, c, m, n: str(m.distributor_share),
    }
    form_columns = ("movie", "cinema", "starts_on", "ends_on", "distributor_share")
    form_args = {
        "distributor_share": {
            "validators": [InputRequired(), NumberRange(min=0, max=MAX_SHARE)],
            "places": 2,
        }
    }
    form_ajax_refs = {
        "movie": {"fields": ("title",), "page_size": 20, "placeholder": _l("Type a title")},
        "cinema": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a cinema name")},
    }

    def on_model_change(self, form, model, is_created):
        check_right(db.session, model)

    @expose("/grant/", methods=("GET", "POST"))
    def grant_view(self):
        """One movie to every cinema of a city and/or to chosen cinemas: all or none."""
        form, problems = grant_form(self), []
        if form.validate_on_submit():
            cinemas = list(form.cinemas.data or [])
            if form.city.data is not None:
                cinemas += access.scoped(Cinema).filter(Cinema.city_id == form.city.data.id).all()
            try:
                granted = grant_rights(
                    db.session,
                    form.movie.data,
                    cinemas,
                    form.starts_on.data,
                    form.ends_on.data,
                    form.distributor_share.data,
                )
                db.session.commit()
            except RuleViolation as exc:
                db.session.rollback()
                problems = getattr(exc, "problems", None) or [str(exc)]
                flash(
                    _(
                        "No right was granted: %(count)s problems, listed below.",
                        count=len(problems),
                    ),
                    "error",
                )
            else:
                flash(granted_message(granted), "success")
                return redirect(self.get_url(".index_view"))
        return self.render(
            "admin/screeningright_grant.html",
            form=form,
            problems=problems,
            return_url=self.get_url(".index_view"),
        )
