"""The data model; table and column names are the contract in PRODUCT.md.

Datetimes are stored timezone-naive. `audit_log.at`, `cinema.created_at` and
`user.last_login_at` are UTC; a schedule's `starts_at`/`ends_at` are the cinema's wall-clock
time (China Standard Time), which is what staff type and what tickets print.
"""

from .accounts import (
    AccountToken,
    LoginFailure,
    Permission,
    RecoveryCode,
    Role,
    User,
    UserSession,
    role_permission,
    user_cinema,
    user_role,
)
from .audit import AuditLog
from .boxoffice import BoxOfficeRollup, BoxOfficeShow
from .catalogue import Movie
from .pricing import PriceCard, PriceCardRule, SchedulePrice, TicketType
from .rights import ScreeningRight
from .scheduling import Schedule
from .seating import Seat, SeatLayout
from .selling import Customer, Order, Ticket
from .venues import Cinema, City, Hall

__all__ = [
    "AccountToken",
    "AuditLog",
    "BoxOfficeRollup",
    "BoxOfficeShow",
    "Cinema",
    "City",
    "Customer",
    "Hall",
    "LoginFailure",
    "Movie",
    "Order",
    "Permission",
    "PriceCard",
    "PriceCardRule",
    "RecoveryCode",
    "Role",
    "Schedule",
    "SchedulePrice",
    "ScreeningRight",
    "Seat",
    "SeatLayout",
    "Ticket",
    "TicketType",
    "User",
    "UserSession",
    "role_permission",
    "user_cinema",
    "user_role",
]
