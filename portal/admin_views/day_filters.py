"""Filters on a time column by whole days, with date pickers: "on", "from", "until",
"between". People look for "the shows of December 5th", never for one exact second.

A `wall_clock` column (schedule times) compares as stored; a UTC column (audit_log.at) is
compared against the Shanghai day's bounds in UTC.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import filters as base_filters
from flask_babel import lazy_gettext as _l


class _DayBounds:
    wall_clock = True

    def moment(self, day):
        """The first moment of `day`, in the column's own convention."""
        start = datetime.combine(day, time())
        if self.wall_clock:
            return start
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
        return start.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


class OnDay(_DayBounds, sqla_filters.BaseSQLAFilter, base_filters.BaseDateFilter):
    def apply(self, query, value, alias=None):
        column = self.get_column(alias)
        return query.filter(
            column >= self.moment(value), column < self.moment(value + timedelta(days=1))
        )

    def operation(self):
        return _l("on")


class FromDay(_DayBounds, sqla_filters.BaseSQLAFilter, base_filters.BaseDateFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) >= self.moment(value))

    def operation(self):
        return _l("from")


class UntilDay(_DayBounds, sqla_filters.BaseSQLAFilter, base_filters.BaseDateFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) < self.moment(value + timedelta(days=1)))

    def operation(self):
        return _l("until")


class BetweenDays(_DayBounds, sqla_filters.DateBetweenFilter):
    def apply(self, query, value, alias=None):
        first, last = value
        column = self.get_column(alias)
        return query.filter(
            column >= self.moment(first), column < self.moment(last + timedelta(days=1))
        )


def day_filters(column, label, wall_clock=True):
    """The four day filters on `column`, shown as `label`."""
    filters = [kind(column, label) for kind in (OnDay, BetweenDays, FromDay, UntilDay)]
    for day_filter in filters:
        day_filter.wall_clock = wall_clock
    return filters
