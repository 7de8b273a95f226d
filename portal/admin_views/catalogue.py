"""Cities and movies: the catalogue every cinema shares."""

from flask import current_app, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, SelectField
from wtforms.validators import NumberRange, Optional, StopValidation

from ..extensions import POSTER_EXTENSIONS, db
from ..i18n import enum_choices, enum_label, enum_select_choices, format_day, wall_clock_now
from ..models import City
from ..models.catalogue import MOVIE_STATUSES
from ..services import posters
from ..services.pricing import MAX_PRICE, MIN_PRICE, check_floor_of_coming_shows
from .base import SecuredModelView


def _enum_formatter(view, context, model, name):
    return enum_label(getattr(model, name))


class PosterField(FileField):
    """The poster upload; the view stores it, so it never writes to the model itself."""

    decoded = None
    # (replaced file, stored file) once the view has stored the upload
    change = (None, None)

    def populate_obj(self, obj, name):
        pass


class PosterExtension(FileAllowed):
    """FileAllowed with its message translated on failure: Flask-Admin shows only str errors."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except StopValidation as exc:
            raise StopValidation(str(exc)) from None


def verified_poster(form, field):
    """Decode the upload in full; keep the decoded image on the field for the view to store."""
    if not isinstance(field.data, FileStorage) or not field.data:
        return
    try:
        field.decoded = posters.verify_upload(
            field.data, current_app.config.get("MAX_CONTENT_LENGTH")
        )
    except posters.PosterRejected as exc:
        raise StopValidation(str(exc)) from None


def _poster_img(name, css_class, alt):
    return Markup('<img class="{}" src="{}" alt="{}">').format(
        css_class, url_for("uploads.poster", name=name), alt
    )


def _poster_thumbnail(view, context, model, name):
    if not model.poster:
        return Markup('<img class="poster-thumb poster-placeholder" src="{}" alt="">').format(
            url_for("static", filename="poster-placeholder.svg")
        )
    return _poster_img(posters.thumbnail_name(model.poster), "poster-thumb", model.title)


def _poster_details(view, context, model, name):
    if not model.poster:
        return ""
    full = url_for("uploads.poster", name=model.poster)
    return Markup('<a href="{}">{}</a>').format(
        full, _poster_img(model.poster, "poster-full", model.title)
    )


def _parent_city(view, context, model, name):
    """The parent city's name (0 means none), names read once per page."""
    if not model.parent_id:
        return ""
    names = g.get("parent_city_names")
    if names is None:
        rows = (context or {}).get("data", ())  # no context in an export
        ids = {row.parent_id for row in rows if row.parent_id} | {model.parent_id}
        names = g.parent_city_names = dict(
            db.session.query(City.id, City.name).filter(City.id.in_(ids)).all()
        )
    if model.parent_id not in names:
        names.update(db.session.query(City.id, City.name).filter(City.id == model.parent_id).all())
    return names.get(model.parent_id, f"#{model.parent_id}")


def showing_before_release(form):
    """'Showing' needs the release date reached (today in the cinemas' time zone)."""
    released = form.release_date.data
    return (
        form.status.data == "showing"
        and released is not None
        and released > wall_clock_now().date()
    )


class CityView(SecuredModelView):
    resource = "city"
    column_list = ("name", "pinyin", "letter", "city_code", "parent_id")
    column_labels = {
        "name": _l("Name"),
        "pinyin": _l("Pinyin"),
        "letter": _l("Letter"),
        "city_code": _l("City code"),
        "parent_id": _l("Parent city"),
    }
    column_formatters = {"parent_id": _parent_city}
    column_formatters_detail = {"parent_id": _parent_city}
    # The export keeps the id, as the cities JSON has it (re-importable).
    column_formatters_export = {"parent_id": lambda v, c, m, n: m.parent_id}
    column_searchable_list = ("name", "pinyin")
    column_filters = ("letter",)
    column_default_sort = [("letter", False), ("pinyin", False)]
    form_columns = ("name", "pinyin", "letter", "city_code", "parent_id")
    form_args = {"parent_id": {"default": 0}}

    def get_export_columns(self):
        return [
            (name, _("Parent city id") if name == "parent_id" else label)
            for name, label in super().get_export_columns()
        ]


class MovieView(SecuredModelView):
    resource = "movie"
    column_list = (
        "poster",
        "title",
        "director",
        "genres",
        "duration_minutes",
        "release_date",
        "status",
        "rating",
    )
    column_labels = {
        "title": _l("Title"),
        "original_title": _l("Original title"),
        "director": _l("Director"),
        "cast": _l("Cast"),
        "genres": _l("Genres"),
        "language": _l("Language"),
        "country": _l("Country"),
        "duration_minutes": _l("Duration (minutes)"),
        "release_date": _l("Release date"),
        "status": _l("Status"),
        "rating": _l("Rating"),
        "synopsis": _l("Synopsis"),
        "poster": _l("Poster"),
        "min_price": _l("Floor price"),
    }
    column_searchable_list = ("title", "original_title", "director")
    column_filters = ("status", "release_date", "genres", "language")
    column_default_sort = [("release_date", True), ("id", True)]
    column_sortable_list = ("title", "duration_minutes", "release_date", "status", "rating")
    column_formatters = {"status": _enum_formatter, "poster": _poster_thumbnail}
    column_choices = {"status": enum_choices(MOVIE_STATUSES)}  # translated filter options
    column_formatters_detail = {"status": _enum_formatter, "poster": _poster_details}
    column_formatters_export = {"status": lambda v, c, m, n: m.status}
    form_columns = (
        "title",
        "original_title",
        "director",
        "cast",
        "genres",
        "language",
        "country",
        "duration_minutes",
        "release_date",
        "status",
        "rating",
        "min_price",
        "synopsis",
        "poster_file",
        "remove_poster",
    )
    form_extra_fields = {
        "poster_file": PosterField(
            _l("Poster"),
            description=_l("JPEG, PNG or WebP. Uploading a file replaces the current poster."),
            validators=[
                PosterExtension(
                    POSTER_EXTENSIONS, _l("Choose a JPEG, PNG or WebP image (.jpg, .png, .webp).")
                ),
                verified_poster,
            ],
        ),
        "remove_poster": BooleanField(
            _l("Remove the poster"), description=_l("The movie is shown with a placeholder.")
        ),
    }
    form_overrides = {"status": SelectField}
    form_args = {
        "status": {"choices": enum_select_choices(MOVIE_STATUSES), "default": "coming_soon"},
        "duration_minutes": {"validators": [NumberRange(min=1, max=600)]},
        "rating": {"validators": [Optional(), NumberRange(min=0, max=10)], "places": 1},
        "min_price": {
            "validators": [Optional(), NumberRange(min=MIN_PRICE, max=MAX_PRICE)],
            "places": 2,
            "description": _l(
                "The distributor's floor price (最低票价): no show's price, for "
                "any ticket type, may be lower."
            ),
        },
    }
    form_widget_args = {"synopsis": {"rows": 5}}

    def validate_form(self, form):
        valid = super().validate_form(form)
        if valid and hasattr(form, "status") and showing_before_release(form):
            form.status.errors = [
                _(
                    "The movie is released on %(date)s: it cannot be showing "
                    "before then. Choose Coming soon, or correct the release "
                    "date.",
                    date=format_day(form.release_date.data),
                )
            ]
            return False
        return valid

    def create_form(self, obj=None):
        form = super().create_form(obj)
        del form.remove_poster  # nothing to remove yet
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and obj.poster:
            form.poster_file.description = Markup("{}<br>{}").format(
                _poster_img(posters.thumbnail_name(obj.poster), "poster-thumb", obj.title),
                form.poster_file.description,
            )
        return form

    # -- poster files follow the transaction: stored before commit, cleaned up after it ----
    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        check_floor_of_coming_shows(db.session, model)
        decoded = form.poster_file.decoded
        if decoded is not None:
            form.poster_file.change = (model.poster, posters.store_poster(decoded))
            model.poster = form.poster_file.change[1]
        elif (
            getattr(form, "remove_poster", None) is not None
            and form.remove_poster.data
            and model.poster
        ):
            form.poster_file.change = (model.poster, None)
            model.poster = None

    def create_model(self, form):
        return self._settle_poster_files(form, super().create_model(form))

    def update_model(self, form, model):
        return self._settle_poster_files(form, super().update_model(form, model))

    @staticmethod
    def _settle_poster_files(form, saved):
        """A saved change drops the replaced files; a failed one drops the files it stored."""
        replaced, stored = form.poster_file.change
        posters.delete_poster(replaced if saved else stored)
        return saved

    def delete_model(self, model):
        poster = model.poster
        deleted = super().delete_model(model)
        if deleted:
            posters.delete_poster(poster)
        return deleted
