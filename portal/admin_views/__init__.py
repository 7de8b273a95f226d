"""Flask-Admin, built per app by the factory (a module-level Admin breaks a second app)."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from ..i18n import admin_translations_path
from ..models import (
    AuditLog,
    Cinema,
    City,
    Customer,
    Hall,
    Movie,
    Order,
    Permission,
    PriceCard,
    Role,
    Schedule,
    ScreeningRight,
    SeatLayout,
    Ticket,
    TicketType,
    User,
)
from .accounts import PermissionView, RoleView, UserView
from .audit import AuditLogView
from .base import PortalIndexView
from .boxoffice import BoxOfficeView
from .catalogue import CityView, MovieView
from .chrome import init_chrome
from .pricing import PriceCardView, TicketTypeView
from .profile import ProfileView
from .rights import ScreeningRightView
from .scheduling import ScheduleView
from .seating import SeatLayoutView
from .selling import CustomerView, OrderView, TicketView
from .venues import CinemaView, HallView


def init_admin(app):
    init_chrome(app)
    admin = Admin(
        app,
        name=_l("Cinema Portal"),
        index_view=PortalIndexView(name=_l("Dashboard"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/portal_base.html", fluid=True),
        translations_path=admin_translations_path(),
    )
    catalogue, venues, access = _l("Catalogue"), _l("Cinemas"), _l("Access")
    selling = _l("Rights and prices")
    sales = _l("Sales")
    admin.add_view(MovieView(Movie, name=_l("Movies"), category=catalogue, endpoint="movie"))
    admin.add_view(CityView(City, name=_l("Cities"), category=catalogue, endpoint="city"))
    admin.add_view(CinemaView(Cinema, name=_l("Cinemas"), category=venues, endpoint="cinema"))
    admin.add_view(HallView(Hall, name=_l("Halls"), category=venues, endpoint="hall"))
    admin.add_view(
        ScheduleView(Schedule, name=_l("Schedules"), category=venues, endpoint="schedule")
    )
    admin.add_view(
        SeatLayoutView(SeatLayout, name=_l("Seat layouts"), category=venues, endpoint="seatlayout")
    )
    admin.add_view(
        ScreeningRightView(
            ScreeningRight, name=_l("Screening rights"), category=selling, endpoint="screeningright"
        )
    )
    admin.add_view(
        PriceCardView(PriceCard, name=_l("Price cards"), category=selling, endpoint="pricecard")
    )
    admin.add_view(
        TicketTypeView(TicketType, name=_l("Ticket types"), category=selling, endpoint="tickettype")
    )
    admin.add_view(OrderView(Order, name=_l("Orders"), category=sales, endpoint="order"))
    admin.add_view(TicketView(Ticket, name=_l("Tickets"), category=sales, endpoint="ticket"))
    admin.add_view(
        CustomerView(Customer, name=_l("Customers"), category=sales, endpoint="customer")
    )
    admin.add_view(
        BoxOfficeView(name=_l("Box office figures"), category=sales, endpoint="boxoffice")
    )
    admin.add_view(UserView(User, name=_l("Users"), category=access, endpoint="user"))
    admin.add_view(RoleView(Role, name=_l("Roles"), category=access, endpoint="role"))
    admin.add_view(
        PermissionView(Permission, name=_l("Permissions"), category=access, endpoint="permission")
    )
    admin.add_view(
        AuditLogView(AuditLog, name=_l("Audit log"), category=access, endpoint="auditlog")
    )
    admin.add_view(ProfileView(name=_l("Your account"), endpoint="profile", url="/admin/profile"))
    app.jinja_env.globals["portal_menu_links"] = lambda: menu_links(admin)
    return admin


def menu_links(admin):
    """(name, url) of every menu entry the signed-in user may open, for pages outside
    Flask-Admin (error pages) that keep the way on."""
    links = []
    for item in admin.menu():
        for entry in item.get_children() if item.is_category() else [item]:
            if entry.is_accessible() and entry.is_visible():
                links.append((entry.name, entry.get_url()))
    return links
