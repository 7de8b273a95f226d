"""Orders, tickets and customers, the counter sale on a show's seat map, refunds and the
printable tickets; the rules and the locking are in services.selling."""

import secrets

import segno
from flask import flash, g, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from .. import access
from ..extensions import db
from ..i18n import (
    enum_choices,
    enum_label,
    export_time,
    format_price,
    format_showtime,
    punctuation,
)
from ..models import Customer, Order, Seat, SeatLayout, Ticket
from ..models.seating import SEAT_KINDS
from ..models.selling import CHANNELS, ORDER_STATUSES, SOLD, TICKET_STATUSES
from ..records import shown_phone
from ..services import selling
from ..services.rules import RuleViolation
from ..services.seating import seat_grid
from .base import PortalForm, SecuredModelView


class SaleForm(PortalForm):
    """The counter sale's token: one sale per rendered form, however often it is sent."""

    sale_token = HiddenField()


class RefundForm(PortalForm):
    pass


class ConfirmPaymentForm(PortalForm):
    payment_ref = StringField(
        _l("Payment provider's reference"), validators=[Optional(), Length(max=64)]
    )


class MaskedPhones:
    """Exports stream their rows after the view returns: who may read phones whole is decided
    while the request is being handled, not per row of the stream."""

    def _export_csv(self, return_url):
        g.portal_phone_whole = access.sees_full_phone()
        return super()._export_csv(return_url)


def qr_svg(text):
    """A QR code of `text`, drawn here as inline SVG (no image request, no script)."""
    return Markup(segno.make(text, error="m").svg_inline(scale=3, border=2))


# -- the counter sale, on a show's seat map (mixed into ScheduleView) --------------------------
def sale_grid(rows):
    """The seat map to sell from: every free seat a checkbox in a label (a form without
    JavaScript; static/counter_sale.js makes seats clickable and pairs couple seats).

    Written here rather than by Jinja macros: a 600-seat hall is 600 cells, each with a
    translated title, and the page must stay near a hand-written one (bench/README.md)."""
    seat_title, row_title = _("Row %(row)s, seat %(seat)s"), _("Row %(row)s")
    kinds = {kind: enum_label(kind) for kind in SEAT_KINDS}
    states = {"free": _("Free"), "sold": enum_label("sold"), "blocked": enum_label("blocked")}
    screen = escape(_("Screen"))
    html = [
        '<div class="seat-map-scroll"><div class="seat-map seat-map-sale" id="seat-grid">'
        f'<div class="seat-screen">{screen}</div>'
    ]
    for row in rows:
        label = escape(row_title % {"row": row.label}) if row.label else ""
        html.append(
            f'<div class="seat-row" data-row="{row.row_no}">'
            f'<span class="seat-row-label">{label}</span>'
        )
        for cell in row.cells:
            html.append(_sale_cell(cell, seat_title, kinds, states))
        html.append(f'<span class="seat-row-label">{label}</span></div>')
    html.append("</div></div>")
    return Markup("".join(html))


def _sale_cell(cell, seat_title, kinds, states):
    seat = cell.seat
    if seat is None:
        return '<span class="seat seat-aisle"></span>'
    classes = f"seat seat-{seat.kind} state-{cell.state}" + (
        f" couple-{cell.side}" if cell.side else ""
    )
    title = escape(
        f"{seat_title % {'row': seat.row_label, 'seat': seat.seat_label}} · "
        f"{kinds[seat.kind]} · {states[cell.state]}"
    )
    text = escape(seat.seat_label)
    if cell.state != "free":
        return f'<span class="{classes}" data-state="{cell.state}" title="{title}">{text}</span>'
    pair = f' data-pair="{seat.pair_seat_id}"' if seat.pair_seat_id else ""
    return (
        f'<label class="{classes} seat-pick" title="{title}" data-seat="{seat.id}"{pair}>'
        f'<input type="checkbox" name="seat" value="{seat.id}" aria-label="{title}">'
        f"{text}</label>"
    )


class CounterSale:
    """Pick seats on the map (checkboxes; static/counter_sale.js makes them clickable and
    pairs couple seats), choose a ticket type per seat and see the total, confirm."""

    sale_view_actions = {
        "sale_review_view": access.ORDER_SELL,
        "sale_confirm_view": access.ORDER_SELL,
    }

    def sale_context(self, schedule):
        """What the seat map page needs to offer a sale, if the user may sell and the show
        sells now."""
        if not self.may(access.ORDER_SELL):
            return {"sale_form": None, "sale_closed": None}
        try:
            selling.check_on_sale(schedule)
        except RuleViolation as exc:
            return {"sale_form": None, "sale_closed": str(exc)}
        return {"sale_form": SaleForm(), "sale_closed": None, "sale_grid": sale_grid}

    def _sale_input(self):
        seats = request.form.getlist("seat")
        types = {s: request.form.get(f"type_{s}") for s in seats}
        return seats, types

    @expose("/seats/review/", methods=("POST",))
    def sale_review_view(self):
        """The picked seats, a ticket type for each, their prices and the total."""
        schedule = self.get_one(request.args.get("id"))
        seats, types = self._sale_input()
        try:
            selling.check_on_sale(schedule)
            picks = selling.plan_sale(db.session, schedule, seats, types)
        except RuleViolation as exc:
            flash(str(exc), "error")
            return redirect(self.get_url(".seats_view", id=schedule.id))
        form = SaleForm()
        form.sale_token.data = request.form.get("sale_token") or secrets.token_hex(16)
        options = {
            p.seat.id: selling.offered_types(db.session, schedule, p.seat.kind) for p in picks
        }
        return self.render(
            "admin/counter_sale_review.html",
            schedule=schedule,
            picks=picks,
            options=options,
            total=selling.sale_total(picks),
            form=form,
            return_url=self.get_url(".seats_view", id=schedule.id),
        )

    @expose("/seats/sell/", methods=("POST",))
    def sale_confirm_view(self):
        """One paid counter order with its tickets, all or nothing; then its tickets."""
        schedule = self.get_one(request.args.get("id"))
        seats, types = self._sale_input()
        token = SaleForm().sale_token.data
        try:
            order = selling.sell_at_counter(
                db.session, schedule.id, seats, types, access._user(None).id, token
            )
            db.session.commit()
        except selling.AlreadySold as exc:
            db.session.rollback()
            flash(str(exc), "warning")
            return redirect(self.get_url("order.tickets_view", id=exc.order.id))
        except (RuleViolation, OperationalError) as exc:
            db.session.rollback()
            flash(
                str(exc)
                if isinstance(exc, RuleViolation)
                else _("The database was busy; nothing was sold. Please try again."),
                "error",
            )
            return redirect(self.get_url(".seats_view", id=schedule.id))
        flash(
            _(
                "Sold: order %(order)s, %(count)s tickets, %(total)s.",
                order=order.order_no,
                count=len(order.tickets),
                total=format_price(order.amount),
            ),
            "success",
        )
        return redirect(self.get_url("order.tickets_view", id=order.id))


# -- orders ---------------------------------------------------------------------------------
class AwaitingTooLong(BaseSQLAFilter):
    """Online orders paid but not confirmed by the provider for more than 15 minutes."""

    def apply(self, query, value, alias=None):
        return query.filter(selling.awaiting_too_long())

    def operation(self):
        return _l("yes")


def _show(schedule):
    return f"{schedule.movie.title} {format_showtime(schedule.starts_at, 'short')}"


class OrderView(MaskedPhones, SecuredModelView):
    resource = "order"
    can_create = can_edit = can_delete = False  # orders change by selling, refunds, payments
    action_permissions = {}
    view_actions = {
        "tickets_view": "view",
        "refund_view": "refund",
        "confirm_view": "edit",
        "cancel_view": "edit",
    }
    details_template = "admin/order_details.html"
    column_list = (
        "order_no",
        "created_at",
        "cinema",
        "schedule",
        "channel",
        "status",
        "amount",
        "customer",
    )
    column_details_list = column_list + ("paid_at", "payment_ref", "sold_by")
    column_export_list = column_details_list
    column_list_related = {
        "cinema": ("name",),
        "schedule": ("starts_at", "movie_id"),
        "schedule.movie": ("title",),
        "customer": ("phone",),
    }
    column_labels = {
        "order_no": _l("Order number"),
        "created_at": _l("Created at"),
        "cinema": _l("Cinema"),
        "schedule": _l("Show"),
        "channel": _l("Channel"),
        "status": _l("Status"),
        "amount": _l("Amount"),
        "customer": _l("Customer"),
        "paid_at": _l("Paid at"),
        "payment_ref": _l("Payment reference"),
        "sold_by": _l("Sold by"),
        "schedule_id": _l("Show (id)"),
    }
    column_searchable_list = ("order_no",)
    column_filters = (
        AwaitingTooLong(Order.status, _l("Awaiting confirmation over 15 minutes")),
        "schedule_id",
        "created_at",
        "channel",
        "status",
    )
    column_choices = {"channel": enum_choices(CHANNELS), "status": enum_choices(ORDER_STATUSES)}
    column_sortable_list = ("created_at", "amount")
    column_default_sort = [("created_at", True), ("id", True)]
    column_formatters = {
        "cinema": lambda v, c, m, n: m.cinema.name,
        "schedule": lambda v, c, m, n: _show(m.schedule),
        "channel": lambda v, c, m, n: enum_label(m.channel),
        "status": lambda v, c, m, n: enum_label(m.status),
        "amount": lambda v, c, m, n: format_price(m.amount),
        "customer": lambda v, c, m, n: shown_phone(m.customer.phone) if m.customer else "",
        "sold_by": lambda v, c, m, n: m.sold_by.username if m.sold_by else "",
    }
    column_formatters_export = {
        "cinema": column_formatters["cinema"],
        "schedule": column_formatters["schedule"],
        "amount": lambda v, c, m, n: str(m.amount),
        "customer": column_formatters["customer"],
        "sold_by": column_formatters["sold_by"],
        "created_at": lambda v, c, m, n: export_time(m.created_at),
        "paid_at": lambda v, c, m, n: export_time(m.paid_at),
    }

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """An order number, a ticket code or a phone number (whole only for those who see
        it whole; masked as lists show it, 138****5678, for everyone)."""
        term = search.strip()
        clauses = [
            Order.order_no == term,
            Order.id.in_(select(Ticket.order_id).where(Ticket.code == term.upper())),
        ]
        phone = selling.phone_search_clause(Customer.phone, term)
        if phone is not None and ("*" in term or access.sees_full_phone()):
            clauses.append(Order.customer_id.in_(select(Customer.id).where(phone)))
        clause = or_(*clauses)
        return (
            query.filter(clause),
            count_query.filter(clause) if count_query is not None else None,
            joins,
            count_joins,
        )

    def get_one(self, id):
        order = super().get_one(id)
        self._template_args.update(self._order_extras(order))
        return order

    def _order_extras(self, order):
        tickets = db.session.scalars(
            select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.id)
        ).all()
        layout = db.session.get(SeatLayout, order.schedule.seat_layout_id)
        seats = db.session.scalars(select(Seat).where(Seat.layout_id == layout.id)).all()
        sold = selling.sold_seat_ids(db.session, order.schedule_id)
        mine = {t.seat_id for t in tickets if t.status == SOLD}
        states = {
            s.id: "picked"
            if s.id in mine
            else "sold"
            if s.id in sold
            else "blocked"
            if s.kind == "blocked"
            else "free"
            for s in seats
        }
        return {
            "tickets": tickets,
            "grid": seat_grid(seats, layout.row_count, layout.col_count, states),
            "refund_form": RefundForm() if self.may("refund") else None,
            "confirm_form": ConfirmPaymentForm() if self.may("edit") else None,
        }

    @expose("/tickets/")
    def tickets_view(self):
        """The order's tickets, printable: seat, hall, film, time, price, QR code."""
        order = self.get_one(request.args.get("id"))
        printed = [(t, ticket_facts(t), qr_svg(t.code)) for t in self._template_args["tickets"]]
        return self.render(
            "admin/order_tickets.html",
            order=order,
            printed=printed,
            return_url=self.get_url(".details_view", id=order.id),
        )

    @expose("/refund/", methods=("POST",))
    def refund_view(self):
        """Refund the chosen tickets, or the whole order: all or none, audited."""
        order = self.get_one(request.args.get("id"))
        RefundForm().validate_on_submit()
        chosen = None if request.form.get("whole") else request.form.getlist("ticket")
        try:
            refunded = selling.refund(db.session, order.id, chosen)
            db.session.commit()
        except (RuleViolation, OperationalError) as exc:
            db.session.rollback()
            flash(
                str(exc)
                if isinstance(exc, RuleViolation)
                else _("The database was busy; nothing was refunded. Please try again."),
                "error",
            )
        else:
            flash(
                _(
                    "Tickets refunded from order %(order)s: %(count)s. Their seats sell again.",
                    count=len(refunded),
                    order=order.order_no,
                ),
                "success",
            )
        return redirect(self.get_url(".details_view", id=order.id))

    @expose("/confirm/", methods=("POST",))
    def confirm_view(self):
        """An online order awaiting confirmation: mark it paid with the provider's reference."""
        order = self.get_one(request.args.get("id"))
        form = ConfirmPaymentForm()
        form.validate_on_submit()
        return self._change(
            order,
            lambda: selling.confirm_payment(db.session, order.id, form.payment_ref.data),
            _("Order %(order)s is marked paid.", order=order.order_no),
        )

    @expose("/cancel/", methods=("POST",))
    def cancel_view(self):
        """An online order awaiting confirmation: cancel it; its seats sell again."""
        order = self.get_one(request.args.get("id"))
        RefundForm().validate_on_submit()
        return self._change(
            order,
            lambda: selling.cancel_unpaid(db.session, selling.lock_order(db.session, order.id)),
            _("Order %(order)s is cancelled; its seats sell again.", order=order.order_no),
        )

    def _change(self, order, change, done):
        try:
            change()
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(done, "success")
        return redirect(self.get_url(".details_view", id=order.id))


# -- tickets --------------------------------------------------------------------------------
class TicketView(SecuredModelView):
    resource = "order"
    can_create = can_edit = can_delete = False
    action_permissions = {}
    column_list = ("code", "order", "schedule", "seat", "ticket_type", "price", "status")
    column_list_related = {
        "order": ("order_no",),
        "schedule": ("starts_at", "movie_id"),
        "schedule.movie": ("title",),
        "seat": ("row_label", "seat_label"),
        "ticket_type": ("name",),
    }
    column_labels = {
        "code": _l("Ticket code"),
        "order": _l("Order"),
        "schedule": _l("Show"),
        "seat": _l("Seat"),
        "ticket_type": _l("Ticket type"),
        "price": _l("Price"),
        "status": _l("Status"),
        "schedule_id": _l("Show (id)"),
    }
    column_searchable_list = ("code",)
    column_filters = ("schedule_id", "status")
    column_choices = {"status": enum_choices(TICKET_STATUSES)}
    column_default_sort = [("id", True)]
    column_formatters = {
        "order": lambda v, c, m, n: m.order.order_no,
        "schedule": lambda v, c, m, n: _show(m.schedule),
        "seat": lambda v, c, m, n: m.seat.ticket_label,
        "ticket_type": lambda v, c, m, n: m.ticket_type.name,
        "price": lambda v, c, m, n: format_price(m.price),
        "status": lambda v, c, m, n: enum_label(m.status),
    }
    column_formatters_export = {
        "order": column_formatters["order"],
        "schedule": column_formatters["schedule"],
        "seat": column_formatters["seat"],
        "ticket_type": column_formatters["ticket_type"],
    }

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clause = Ticket.code == search.strip().upper()
        return (
            query.filter(clause),
            count_query.filter(clause) if count_query is not None else None,
            joins,
            count_joins,
        )


# -- customers ------------------------------------------------------------------------------
class CustomerView(MaskedPhones, SecuredModelView):
    resource = "customer"
    can_create = can_edit = can_delete = False  # customers sign up in the consumer app
    action_permissions = {"block": "block", "unblock": "block"}
    details_template = "admin/customer_details.html"
    column_list = ("phone", "nickname", "is_blocked", "created_at")
    column_labels = {
        "phone": _l("Phone"),
        "nickname": _l("Nickname"),
        "is_blocked": _l("On the blacklist"),
        "created_at": _l("Signed up"),
    }
    column_searchable_list = ("nickname",)
    column_filters = ("is_blocked",)
    column_default_sort = [("id", True)]
    column_formatters = {"phone": lambda v, c, m, n: shown_phone(m.phone)}
    column_formatters_export = {
        **column_formatters,
        "created_at": lambda v, c, m, n: export_time(m.created_at),
    }

    def _apply_search(self, query, count_query, joins, count_joins, search):
        phone = selling.phone_search_clause(Customer.phone, search)
        if phone is None or ("*" not in search and not access.sees_full_phone()):
            return super()._apply_search(query, count_query, joins, count_joins, search)
        return (
            query.filter(phone),
            count_query.filter(phone) if count_query is not None else None,
            joins,
            count_joins,
        )

    def get_one(self, id):
        customer = super().get_one(id)
        self._template_args["orders"] = (
            access.scoped(Order)
            .filter(Order.customer_id == customer.id)
            .order_by(Order.id.desc())
            .limit(100)
            .all()
        )
        return customer

    def _set_blocked(self, ids, blocked):
        rows = self.scoped_rows(ids)
        for customer in rows:
            customer.is_blocked = blocked
        db.session.commit()
        shown = [shown_phone(c.phone) for c in rows[:5]]
        phones = punctuation("comma").join(shown) + ("…" if len(rows) > 5 else "")
        if len(rows) == 1:
            message = (
                _("Customer %(phone)s blocked.", phone=phones)
                if blocked
                else _("Customer %(phone)s unblocked.", phone=phones)
            )
        else:
            message = (
                _("%(count)s customers blocked: %(phones)s.", count=len(rows), phones=phones)
                if blocked
                else _("%(count)s customers unblocked: %(phones)s.", count=len(rows), phones=phones)
            )
        flash(message, "success")

    @action("block", _l("Block"), _l("Block the selected customers?"))
    def action_block(self, ids):
        self._set_blocked(ids, True)

    @action("unblock", _l("Unblock"), _l("Unblock the selected customers?"))
    def action_unblock(self, ids):
        self._set_blocked(ids, False)


def ticket_facts(ticket):
    """What a printed ticket says, besides its code."""
    show = ticket.schedule
    return {
        "film": show.movie.title,
        "hall": show.hall.name,
        "cinema": show.hall.cinema.name,
        "time": format_showtime(show.starts_at, "short"),
        "seat": ticket.seat.ticket_label,
        "type": ticket.ticket_type.name,
        "price": format_price(ticket.price),
    }
