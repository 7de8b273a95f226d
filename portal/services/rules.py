"""Business-rule refusals shared by the views, the bulk actions and the CLI."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ..extensions import db
from ..models import (
    Cinema,
    City,
    Hall,
    Movie,
    PriceCard,
    PriceCardRule,
    Role,
    Schedule,
    SchedulePrice,
    ScreeningRight,
    TicketType,
    User,
    user_cinema,
    user_role,
)
from ..models.audit import AuditLog


class RuleViolation(ValueError):
    """A business rule refuses the change; the message is shown to the user as it is."""


# model -> [(query of the rows that still use it, message)]
_IN_USE = {
    City: [
        (
            lambda o: select(Cinema.id).where(Cinema.city_id == o.id),
            _l("This city still has cinemas; it cannot be deleted."),
        )
    ],
    Cinema: [
        (
            lambda o: select(Hall.id).where(Hall.cinema_id == o.id),
            _l("This cinema still has halls; deactivate it instead of deleting it."),
        ),
        (
            lambda o: select(user_cinema.c.user_id).where(user_cinema.c.cinema_id == o.id),
            _l(
                "Users are still assigned to this cinema; unassign them or deactivate the "
                "cinema instead."
            ),
        ),
        (
            lambda o: select(ScreeningRight.id).where(ScreeningRight.cinema_id == o.id),
            _l("This cinema holds screening rights; deactivate it instead of deleting it."),
        ),
        (
            lambda o: select(PriceCard.id).where(PriceCard.cinema_id == o.id),
            _l("This cinema has price cards; deactivate it instead of deleting it."),
        ),
    ],
    Hall: [
        (
            lambda o: select(Schedule.id).where(Schedule.hall_id == o.id),
            _l(
                "This hall still has schedules; deactivate it or cancel its schedules "
                "instead of deleting it."
            ),
        )
    ],
    Movie: [
        (
            lambda o: select(Schedule.id).where(Schedule.movie_id == o.id),
            _l("This movie still has schedules; take it offline instead of deleting it."),
        ),
        (
            lambda o: select(ScreeningRight.id).where(ScreeningRight.movie_id == o.id),
            _l(
                "Screening rights are granted for this movie; take it offline instead of "
                "deleting it."
            ),
        ),
    ],
    TicketType: [
        (
            lambda o: select(PriceCardRule.id).where(PriceCardRule.ticket_type_id == o.id),
            _l("Price card rules use this ticket type; it cannot be deleted."),
        ),
        (
            lambda o: select(SchedulePrice.schedule_id).where(SchedulePrice.ticket_type_id == o.id),
            _l("Shows are priced with this ticket type; it cannot be deleted."),
        ),
    ],
    Role: [
        (
            lambda o: select(user_role.c.user_id).where(user_role.c.role_id == o.id),
            _l("Users still hold this role; take it from them first."),
        )
    ],
    User: [
        (
            lambda o: select(AuditLog.id).where(AuditLog.user_id == o.id),
            _l("This user has an audit history; deactivate the account instead."),
        )
    ],
}


def refuse_delete_in_use(obj):
    """Raise RuleViolation when deleting `obj` would orphan or hide rows that use it."""
    for query, message in _IN_USE.get(type(obj), ()):
        if db.session.scalar(select(exists(query(obj)))):
            raise RuleViolation(str(message))
