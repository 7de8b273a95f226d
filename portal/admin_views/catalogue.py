"""Cities and movies: the catalogue every cinema shares."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import NumberRange, Optional

from ..i18n import enum_choices, enum_label
from ..models.catalogue import MOVIE_STATUSES
from .base import SecuredModelView


def _enum_formatter(view, context, model, name):
    return enum_label(getattr(model, name))


class CityView(SecuredModelView):
    resource = "city"
    column_list = ("name", "pinyin", "letter", "city_code", "parent_id")
    column_labels = {"name": _l("Name"), "pinyin": _l("Pinyin"), "letter": _l("Letter"),
                     "city_code": _l("City code"), "parent_id": _l("Parent city id")}
    column_searchable_list = ("name", "pinyin")
    column_filters = ("letter",)
    column_default_sort = [("letter", False), ("pinyin", False)]
    form_columns = ("name", "pinyin", "letter", "city_code", "parent_id")
    form_args = {"parent_id": {"default": 0}}


class MovieView(SecuredModelView):
    resource = "movie"
    column_list = ("title", "director", "genres", "duration_minutes", "release_date",
                   "status", "rating")
    column_labels = {
        "title": _l("Title"), "original_title": _l("Original title"),
        "director": _l("Director"), "cast": _l("Cast"), "genres": _l("Genres"),
        "language": _l("Language"), "country": _l("Country"),
        "duration_minutes": _l("Duration (minutes)"), "release_date": _l("Release date"),
        "status": _l("Status"), "rating": _l("Rating"), "synopsis": _l("Synopsis"),
        "poster": _l("Poster"),
    }
    column_searchable_list = ("title", "original_title", "director")
    column_filters = ("status", "release_date", "genres", "language")
    column_default_sort = [("release_date", True), ("id", True)]
    column_sortable_list = ("title", "duration_minutes", "release_date", "status", "rating")
    column_formatters = {"status": _enum_formatter}
    column_formatters_export = {"status": lambda v, c, m, n: m.status}
    form_columns = ("title", "original_title", "director", "cast", "genres", "language",
                    "country", "duration_minutes", "release_date", "status", "rating",
                    "synopsis")
    form_overrides = {"status": SelectField}
    form_args = {
        "status": {"choices": enum_choices(MOVIE_STATUSES), "default": "coming_soon"},
        "duration_minutes": {"validators": [NumberRange(min=1, max=600)]},
        "rating": {"validators": [Optional(), NumberRange(min=0, max=10)], "places": 1},
    }
    form_widget_args = {"synopsis": {"rows": 5}}
