"""A record's own pages (details, edit, create) as people use them every day.

Flashes that name the record ("已保存电影“流浪地球2”。"), a History tab for who may read
the audit log, a delete button confirmed in the page, no internal fields on details pages,
and export files named after what they hold and the local time.
"""

from flask import g, session, url_for
from flask_admin import expose
from flask_admin.babel import gettext as admin_gettext
from flask_admin.babel import ngettext as admin_ngettext
from flask_babel import gettext as _

from .. import access
from ..i18n import wall_clock_now
from ..records import record_phrase

# Columns a details page never shows: bookkeeping (the optimistic lock), not something
# people read or set.
INTERNAL_COLUMNS = ("version",)


class RecordPagesMixin:
    details_template = "admin/portal_details.html"
    edit_template = "admin/portal_edit.html"

    # -- the history tab -----------------------------------------------------------------------
    def history_url(self, model):
        """This record's audit entries, for who holds audit.view (and so sees this page)."""
        if model is None or not access.has_permission("audit.view"):
            return None
        return url_for(
            "auditlog.history_view", model=model.__tablename__, id=self.get_pk_value(model)
        )

    def get_details_columns(self):
        # `version` is internal where it is the optimistic lock, not where it is the domain's
        # own number (a seat layout's version).
        internal = INTERNAL_COLUMNS if getattr(self, "is_versioned", False) else ()
        return [
            (name, label) for name, label in super().get_details_columns() if name not in internal
        ]

    # -- exports (export.csv_response sends this name) ------------------------------------------
    def get_export_name(self, export_type="csv"):
        """排期_2026-12-02_1258.csv: the list's name and the cinemas' wall-clock time."""
        return f"{self.name}_{wall_clock_now():%Y-%m-%d_%H%M}.{export_type}"

    # -- flashes that name the record ---------------------------------------------------------
    def create_model(self, form):
        model = super().create_model(form)
        if model:
            g.portal_flash_record = record_phrase(model)
        return model

    def update_model(self, form, model):
        saved = super().update_model(form, model)
        if saved:
            g.portal_flash_record = record_phrase(model)
        return saved

    def delete_model(self, model):
        phrase = record_phrase(model)  # before the row is gone
        deleted = super().delete_model(model)
        if deleted:
            g.portal_flash_record = phrase
        return deleted

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self._naming_flash(
            super().create_view(),
            admin_gettext("Record was successfully created."),
            lambda record: _("%(record)s was created.", record=record),
        )

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return self._naming_flash(
            super().edit_view(),
            admin_gettext("Record was successfully saved."),
            lambda record: _("%(record)s was saved.", record=record),
        )

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        generic = admin_ngettext(
            "Record was successfully deleted.",
            "%(count)s records were successfully deleted.",
            1,
            count=1,
        )
        return self._naming_flash(
            super().delete_view(),
            generic,
            lambda record: _("%(record)s was deleted.", record=record),
        )

    @staticmethod
    def _naming_flash(response, generic, named):
        """Replace Flask-Admin's generic success flash with one that names the record."""
        record = g.pop("portal_flash_record", None)
        flashes = session.get("_flashes") or []
        if record is not None:
            for index, (category, message) in enumerate(flashes):
                if message == generic:
                    flashes[index] = (category, named(record))
                    session.modified = True
        return response

    def render(self, template, **kwargs):
        kwargs.setdefault("record_phrase", record_phrase)
        return super().render(template, **kwargs)
