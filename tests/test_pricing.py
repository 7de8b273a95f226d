"""Price cards and a show's prices (PRODUCT.md "Selling tickets"): rule matching (the most
specific rule wins, ties refused), card checks through the real form, the preview, prices
copied into schedule_price and kept fixed, re-pricing, the film's floor price on every path,
and the cinema scope of the price card views. SQLite and MariaDB alike."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal import access
from portal.extensions import db
from portal.models import (
    AuditLog,
    Movie,
    Permission,
    PriceCard,
    PriceCardRule,
    Role,
    Schedule,
    SchedulePrice,
)
from portal.models.pricing import SELLABLE_SEAT_KINDS
from portal.services.pricing import (
    PricingRefused,
    ShowContext,
    check_card,
    price_table,
    resolve,
    specificity,
)

from .conftest import csrf_from, page_messages
from .factories import grant_covering_right, ticket_type

MONDAY = dt.date(2030, 3, 4)
SUNDAY = dt.date(2030, 3, 10)
# adult 50 anywhere, any time; 35 before noon; VIP seats 80; VIP seats before noon 60
MATINEE_AND_VIP = [
    {"ticket_type": "adult", "price": "50.00"},
    {"ticket_type": "adult", "price": "35.00", "starts_before": dt.time(12)},
    {"ticket_type": "adult", "price": "80.00", "seat_kind": "vip"},
    {"ticket_type": "adult", "price": "60.00", "seat_kind": "vip", "starts_before": dt.time(12)},
    {"ticket_type": "child", "price": "30.00"},
]


def at(hour, minute=0, day=MONDAY):
    return dt.datetime.combine(day, dt.time(hour, minute))


@pytest.fixture(autouse=True)
def in_english(english):
    """Messages are asserted in English (the portal's default language is Chinese)."""


@pytest.fixture()
def admin(login_as):
    return login_as(access.PLATFORM_ADMIN)


def submit(client, url, data, follow=False):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(
        url, data={"csrf_token": csrf_from(page.text), **data}, follow_redirects=follow
    )


def rule_fields(
    index,
    ticket_type="adult",
    price="50.00",
    seat_kind="",
    weekdays="1234567",
    starts_from="",
    starts_before="",
    hall_type="",
):
    prefix = f"rules-{index}-"
    return {
        prefix + "ticket_type": str(_type_id(ticket_type)),
        prefix + "price": price,
        prefix + "seat_kind": seat_kind,
        prefix + "weekdays": weekdays,
        prefix + "starts_from": starts_from,
        prefix + "starts_before": starts_before,
        prefix + "hall_type": hall_type,
    }


def _type_id(code):
    return ticket_type(db.session, code).id


def card_form(cinema, *rules, name="标准价目", active=True):
    data = {"cinema": cinema.id, "name": name}
    if active:
        data["is_active"] = "y"
    for index, rule in enumerate(rules):
        data.update(rule_fields(index, **rule))
    return data


def stored_cards():
    db.session.expire_all()
    return db.session.query(PriceCard).all()


def stored_rules():
    db.session.expire_all()
    return db.session.query(PriceCardRule).all()


def prices_of(schedule_id):
    db.session.expire_all()
    rows = db.session.query(SchedulePrice).filter_by(schedule_id=schedule_id).all()
    return {(r.ticket_type.code, r.seat_kind): r.price for r in rows}


def rules_of(cinema, specs):
    """Unsaved rules (as a card's form would build them) for the matching functions."""
    card = PriceCard(cinema=cinema, name="x", is_active=False)
    for spec in specs:
        spec = dict(spec)
        spec["ticket_type"] = ticket_type(db.session, spec.get("ticket_type", "adult"))
        spec["price"] = Decimal(spec["price"])
        spec.setdefault("seat_kind", "")
        spec.setdefault("hall_type", "")
        spec.setdefault("weekdays", "1234567")
        card.rules.append(PriceCardRule(**spec))
    return card


# -- matching: the most specific rule wins ------------------------------------------------------
def test_specificity_counts_the_constrained_fields(app_ctx, make):
    card = rules_of(
        make.cinema(),
        [
            {"price": "1"},
            {"price": "1", "seat_kind": "vip"},
            {"price": "1", "weekdays": "67", "starts_from": dt.time(18)},
            {
                "price": "1",
                "seat_kind": "vip",
                "weekdays": "1",
                "starts_before": dt.time(12),
                "hall_type": "IMAX",
            },
        ],
    )
    assert [specificity(r) for r in card.rules] == [0, 1, 2, 4]


@pytest.mark.parametrize(
    "hour,seat_kind,expected",
    [
        (10, "standard", "35.00"),  # matinee (1) beats the catch-all (0)
        (19, "standard", "50.00"),  # only the catch-all matches
        (19, "vip", "80.00"),  # VIP (1) beats the catch-all
        (10, "vip", "60.00"),  # VIP before noon (2) beats VIP (1) and matinee (1)
        (12, "standard", "50.00"),  # a band's end is exclusive: 12:00 is no matinee
    ],
)
def test_most_specific_matching_rule_wins(app_ctx, make, hour, seat_kind, expected):
    hall = make.hall()
    card = rules_of(hall.cinema, MATINEE_AND_VIP)
    adult = ticket_type(db.session, "adult")
    found = resolve(card.rules, adult.id, seat_kind, ShowContext.of(hall, at(hour)))
    assert found.price == Decimal(expected)


def test_weekday_and_hall_type_rules_apply_only_where_they_say(app_ctx, make):
    imax = make.hall(hall_type="IMAX")
    card = rules_of(
        imax.cinema,
        [
            {"price": "50.00"},
            {"price": "70.00", "hall_type": "IMAX"},
            {"price": "90.00", "hall_type": "IMAX", "weekdays": "67"},
        ],
    )
    adult = ticket_type(db.session, "adult").id
    plain = make.hall(cinema=imax.cinema, hall_type="2D")
    assert resolve(card.rules, adult, "standard", ShowContext.of(plain, at(19))).price == 50
    assert resolve(card.rules, adult, "standard", ShowContext.of(imax, at(19))).price == 70
    assert (
        resolve(card.rules, adult, "standard", ShowContext.of(imax, at(19, day=SUNDAY))).price == 90
    )


def test_two_equally_specific_matching_rules_are_a_tie(app_ctx, make):
    hall = make.hall(hall_type="IMAX")
    card = rules_of(
        hall.cinema,
        [
            {"price": "50.00"},
            {"price": "70.00", "hall_type": "IMAX"},
            {"price": "80.00", "seat_kind": "vip"},
        ],
    )
    adult = ticket_type(db.session, "adult").id
    found = resolve(card.rules, adult, "vip", ShowContext.of(hall, at(19)))
    assert found.rule is None and set(found.tied) == {card.rules[1], card.rules[2]}


def test_price_table_names_what_a_card_leaves_unpriced(app_ctx, make):
    hall = make.hall()
    card = rules_of(
        hall.cinema,
        [{"price": "50.00"}, {"ticket_type": "student", "price": "30.00", "seat_kind": "standard"}],
    )
    table = price_table(card.rules, SELLABLE_SEAT_KINDS, ShowContext.of(hall, at(19)))
    assert {(t.code, k) for t, k in table.unpriced} == {
        ("student", "vip"),
        ("student", "couple"),
        ("student", "wheelchair"),
    }
    assert len(table.prices) == 5


def test_check_card_refuses_a_tie_anywhere_in_the_week(app_ctx, make):
    card = rules_of(
        make.cinema(),
        [
            {"price": "50.00"},
            {"price": "40.00", "weekdays": "12345"},
            {"price": "30.00", "starts_before": dt.time(12)},
        ],
    )
    with (
        force_locale("en"),
        pytest.raises(PricingRefused, match="equally specific rules: rule 2, rule 3"),
    ):
        check_card(card)


# -- the card's form: bad input refused, nothing half-saved -------------------------------------
def test_admin_creates_a_card_with_rules(client, admin, make):
    cinema = make.cinema()
    response = submit(
        client,
        "/admin/pricecard/new/",
        card_form(
            cinema,
            {"price": "50.00"},
            {"price": "35.00", "starts_before": "12:00"},
            {"price": "80.00", "seat_kind": "vip"},
            {"price": "60.00", "seat_kind": "vip", "starts_before": "12:00"},
        ),
    )
    assert response.status_code == 302, page_messages(response.text)
    (card,) = stored_cards()
    assert card.cinema_id == cinema.id and len(card.rules) == 4
    assert card.rules[1].starts_before == dt.time(12)


@pytest.mark.parametrize(
    "rules,message",
    [
        (
            [
                {"price": "50.00"},
                {"price": "40.00", "starts_from": "10:00", "starts_before": "14:00"},
                {"price": "45.00", "starts_from": "12:00", "starts_before": "18:00"},
            ],
            "equally specific rules: rule 2, rule 3",
        ),
        (
            [
                {"price": "50.00"},
                {"price": "40.00", "starts_from": "14:00", "starts_before": "12:00"},
            ],
            "the time band ends (12:00) before it starts (14:00)",
        ),
        (
            [
                {"price": "50.00"},
                {"price": "40.00", "starts_from": "12:00", "starts_before": "12:00"},
            ],
            "the time band ends (12:00) before it starts (12:00)",
        ),
        ([{"price": "50.00", "weekdays": "12a"}], "may only hold the digits 1 (Monday) to 7"),
        ([{"price": "50.00", "weekdays": "1,2"}], "may only hold the digits 1 (Monday) to 7"),
        ([{"price": "50.00", "weekdays": "8"}], "may only hold the digits 1 (Monday) to 7"),
        ([{"price": "-1.00"}], "Number must be between 0 and 9999.99"),
        ([{"price": "0.00"}], "the price must be between 0.01 and 9999.99"),
        ([{"price": "10000.00"}], "Number must be between 0 and 9999.99"),
        ([{"ticket_type": "student", "price": "30.00"}], "must price adult tickets"),
        ([{"price": "50.00", "seat_kind": "standard"}], "has no price"),
    ],
    ids=[
        "overlapping bands tie",
        "band ends before it starts",
        "empty band",
        "weekday letter",
        "weekday comma",
        "weekday eight",
        "negative price",
        "zero price",
        "price too large",
        "no adult price",
        "unpriced seat kinds",
    ],
)
def test_bad_card_is_refused_with_a_message_and_nothing_saved(client, admin, make, rules, message):
    response = submit(client, "/admin/pricecard/new/", card_form(make.cinema(), *rules))
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response.text)), page_messages(response.text)
    assert stored_cards() == [] and stored_rules() == []


def test_bad_rule_added_to_an_existing_card_changes_nothing(client, admin, make):
    card = make.price_card(make.cinema(), rules=[{"price": "50.00"}])
    data = {
        **card_form(
            card.cinema,
            {"price": "55.00"},
            {"price": "40.00", "starts_from": "14:00", "starts_before": "12:00"},
            name=card.name,
        ),
        "rules-0-id": str(card.rules[0].id),
        "form_version": str(card.version),
    }
    response = submit(client, f"/admin/pricecard/edit/?id={card.id}", data)
    assert response.status_code == 200
    assert [r.price for r in stored_rules()] == [Decimal("50.00")]


def test_inactive_card_may_leave_gaps_which_the_preview_names(client, admin, make):
    hall = make.hall(name="1号厅")
    response = submit(
        client,
        "/admin/pricecard/new/",
        card_form(
            hall.cinema,
            {"price": "50.00", "seat_kind": "standard"},
            {"price": "35.00", "seat_kind": "standard", "starts_before": "12:00"},
            active=False,
        ),
    )
    assert response.status_code == 302, page_messages(response.text)
    card = stored_cards()[0]
    page = client.get(
        f"/admin/pricecard/details/?id={card.id}&hall_id={hall.id}&date={MONDAY.isoformat()}"
    ).text
    bands = re.findall(r'class="preview-band">(.*?)</th>', page)
    assert bands == ["00:00–12:00", "12:00–24:00"]
    standard = re.search(
        r'data-ticket-type="adult" data-seat-kind="standard">(.*?)</tr>', page, re.S
    ).group(1)
    assert "35.00" in standard and "50.00" in standard
    vip = re.search(r'data-seat-kind="vip">(.*?)</tr>', page, re.S).group(1)
    assert vip.count("Unpriced") == 2


def test_preview_names_rules_that_tie(client, admin, make):
    """Ties never pass the card's form; a card stored some other way still shows them."""
    hall = make.hall(hall_type="IMAX")
    card = make.price_card(
        hall.cinema,
        is_active=False,
        rules=[
            {"price": "50.00"},
            {"price": "70.00", "hall_type": "IMAX"},
            {"price": "80.00", "seat_kind": "vip"},
        ],
    )
    page = client.get(f"/admin/pricecard/details/?id={card.id}&hall_id={hall.id}").text
    vip = re.search(r'data-seat-kind="vip">(.*?)</tr>', page, re.S).group(1)
    assert "Tie: rules 2, 3" in vip


def test_preview_of_another_cinemas_hall_shows_the_cards_own(client, admin, make):
    hall = make.hall(name="本厅")
    card = make.price_card(hall.cinema, rules=[{"price": "50.00"}])
    other = make.hall(name="他厅")
    page = client.get(f"/admin/pricecard/details/?id={card.id}&hall_id={other.id}")
    assert page.status_code == 200
    assert any("Not a hall of this card" in m for m in page_messages(page.text))
    assert "他厅" not in page.text


# -- a show's prices ------------------------------------------------------------------------------
def schedule_form(movie, hall, starts_at, price="", card=None):
    grant_covering_right(db.session, movie, hall.cinema)
    return {
        "movie": movie.id,
        "hall": hall.id,
        "starts_at": starts_at.strftime("%Y-%m-%d %H:%M:%S"),
        "price": price,
        "price_card": card.id if card else "",
        "language_version": "国语",
        "status": "scheduled",
    }


def stored_schedules():
    db.session.expire_all()
    return db.session.query(Schedule).order_by(Schedule.starts_at).all()


def test_new_show_copies_its_cinemas_active_card_into_its_prices(client, admin, make):
    hall = make.hall()
    make.price_card(hall.cinema, rules=MATINEE_AND_VIP)
    response = submit(
        client, "/admin/schedule/new/", schedule_form(make.movie(), hall, at(10), price="45.00")
    )
    assert response.status_code == 302, page_messages(response.text)
    (show,) = stored_schedules()
    prices = prices_of(show.id)
    assert prices[("adult", "standard")] == Decimal("35.00")
    assert prices[("adult", "vip")] == Decimal("60.00")
    assert prices[("child", "couple")] == Decimal("30.00")
    assert len(prices) == 2 * len(SELLABLE_SEAT_KINDS)
    assert show.price == Decimal("35.00")  # the adult standard price, not the typed one


def test_show_form_shows_the_shows_price_table(client, admin, make):
    hall = make.hall()
    make.price_card(hall.cinema, rules=MATINEE_AND_VIP)
    submit(client, "/admin/schedule/new/", schedule_form(make.movie(), hall, at(19)))
    show = stored_schedules()[0]
    for page in (
        client.get(f"/admin/schedule/edit/?id={show.id}").text,
        client.get(f"/admin/schedule/details/?id={show.id}").text,
    ):
        table = re.search(r'id="show-prices">(.*?)</table>', page, re.S).group(1)
        vip = re.search(
            r'data-ticket-type="adult" data-seat-kind="vip">(.*?)</tr>', table, re.S
        ).group(1)
        assert "80.00" in vip


def test_show_without_a_card_has_its_typed_price_as_adult_standard(client, admin, make):
    response = submit(
        client,
        "/admin/schedule/new/",
        schedule_form(make.movie(), make.hall(), at(19), price="45.00"),
    )
    assert response.status_code == 302, page_messages(response.text)
    assert prices_of(stored_schedules()[0].id) == {("adult", "standard"): Decimal("45.00")}


def test_show_without_a_card_needs_a_typed_price(client, admin, make):
    response = submit(
        client, "/admin/schedule/new/", schedule_form(make.movie(), make.hall(), at(19), price="")
    )
    assert response.status_code == 200
    assert "Price must be between 0.01 and 9999.99." in page_messages(response.text)
    assert stored_schedules() == []


def test_bulk_shows_get_the_price_of_their_own_start_time(client, admin, make):
    hall = make.hall()
    make.price_card(hall.cinema, rules=MATINEE_AND_VIP)
    movie = make.movie()
    grant_covering_right(db.session, movie, hall.cinema)
    response = submit(
        client,
        "/admin/schedule/bulk/",
        {
            "movie": movie.id,
            "hall": hall.id,
            "first_day": MONDAY.isoformat(),
            "last_day": MONDAY.isoformat(),
            "start_times": "10:00, 19:00",
            "price": "",
            "price_card": "",
            "language_version": "",
            "status": "scheduled",
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    morning, evening = stored_schedules()
    assert (morning.price, evening.price) == (Decimal("35.00"), Decimal("50.00"))
    assert prices_of(evening.id)[("adult", "vip")] == Decimal("80.00")


def test_card_changed_later_leaves_existing_show_prices_as_they_were(client, admin, make):
    hall = make.hall()
    card = make.price_card(hall.cinema, rules=[{"price": "50.00"}])
    submit(client, "/admin/schedule/new/", schedule_form(make.movie(), hall, at(19)))
    show = stored_schedules()[0]
    data = {
        **card_form(hall.cinema, {"price": "65.00"}, name=card.name),
        "rules-0-id": str(card.rules[0].id),
        "form_version": str(card.version),
    }
    response = submit(client, f"/admin/pricecard/edit/?id={card.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert stored_rules()[0].price == Decimal("65.00")
    assert set(prices_of(show.id).values()) == {Decimal("50.00")}
    assert db.session.get(Schedule, show.id).price == Decimal("50.00")


def run_action(client, action, ids):
    token = csrf_from(client.get("/admin/schedule/").text)
    return client.post(
        "/admin/schedule/action/",
        data={"csrf_token": token, "action": action, "rowid": [str(i) for i in ids]},
        follow_redirects=True,
    )


def test_reprice_gives_shows_the_cards_current_prices_and_is_audited(client, admin, make):
    hall = make.hall()
    show = make.schedule(hall=hall, starts_at=at(19), price=Decimal("45.00"))
    cancelled = make.schedule(hall=hall, starts_at=at(10), status="cancelled")
    make.price_card(hall.cinema, rules=MATINEE_AND_VIP)
    response = run_action(client, "reprice", [show.id, cancelled.id])
    assert "1 shows re-priced; 1 left as they were" in " ".join(page_messages(response.text))
    assert prices_of(show.id)[("adult", "vip")] == Decimal("80.00")
    assert db.session.get(Schedule, show.id).price == Decimal("50.00")
    assert prices_of(cancelled.id) == {("adult", "standard"): Decimal("45.00")}
    entries = db.session.query(AuditLog).filter_by(model="schedule_price", user_id=admin.id).all()
    edited = [json.loads(e.changes) for e in entries if e.action == "edit"]
    assert edited == [{"price": ["45.00", "50.00"]}]
    assert len([e for e in entries if e.action == "create"]) == 2 * 4 - 1


def test_reprice_changes_none_when_one_show_cannot_be_priced(client, admin, make):
    priced, unpriced = make.hall(), make.hall()
    make.price_card(priced.cinema, rules=[{"price": "50.00"}])
    first = make.schedule(hall=priced, starts_at=at(19))
    second = make.schedule(hall=unpriced, starts_at=at(19))
    response = run_action(client, "reprice", [first.id, second.id])
    messages = " ".join(page_messages(response.text))
    assert "Nothing was re-priced" in messages and "has no active price card" in messages
    assert prices_of(first.id) == {("adult", "standard"): Decimal("45.00")}


def test_manager_reprices_only_shows_of_their_cinemas(client, login_as, make):
    mine, theirs = make.hall(), make.hall()
    for hall in (mine, theirs):
        make.price_card(hall.cinema, rules=[{"price": "50.00"}])
    own, other = make.schedule(hall=mine), make.schedule(hall=theirs)
    login_as(access.CINEMA_MANAGER, cinemas=[mine.cinema])
    run_action(client, "reprice", [own.id, other.id])
    assert prices_of(own.id) == {
        (t, k): Decimal("50.00") for t in ("adult",) for k in SELLABLE_SEAT_KINDS
    }
    assert prices_of(other.id) == {("adult", "standard"): Decimal("45.00")}


def test_auditor_cannot_reprice(client, login_as, make):
    show = make.schedule()
    make.price_card(show.hall.cinema, rules=[{"price": "50.00"}])
    login_as(access.AUDITOR)
    token = csrf_from(client.get("/admin/schedule/").text)
    response = client.post(
        "/admin/schedule/action/",
        data={"csrf_token": token, "action": "reprice", "rowid": [str(show.id)]},
    )
    assert response.status_code == 403
    assert prices_of(show.id) == {("adult", "standard"): Decimal("45.00")}


# -- which card: the chosen one must be an active card of the show's cinema ---------------------
def test_card_of_another_cinema_picked_through_a_tampered_post_is_refused(client, admin, make):
    hall = make.hall()
    other = make.price_card(make.cinema(name="别家影城"), rules=[{"price": "50.00"}])
    response = submit(
        client, "/admin/schedule/new/", schedule_form(make.movie(), hall, at(19), card=other)
    )
    assert response.status_code == 200
    assert any("belongs to 别家影城" in m for m in page_messages(response.text))
    assert stored_schedules() == []


def test_managers_tampered_card_outside_their_scope_is_not_a_valid_choice(client, login_as, make):
    hall = make.hall()
    other = make.price_card(make.cinema(), rules=[{"price": "50.00"}])
    login_as(access.CINEMA_MANAGER, cinemas=[hall.cinema])
    for url, data in (
        ("/admin/schedule/new/", schedule_form(make.movie(), hall, at(19), card=other)),
        (
            "/admin/schedule/bulk/",
            {
                "movie": make.movie().id,
                "hall": hall.id,
                "first_day": MONDAY.isoformat(),
                "last_day": MONDAY.isoformat(),
                "start_times": "19:00",
                "price": "",
                "price_card": other.id,
                "status": "scheduled",
            },
        ),
    ):
        grant_covering_right(db.session, db.session.get(Movie, data["movie"]), hall.cinema)
        response = submit(client, url, data)
        assert response.status_code == 200
        assert page_messages(response.text)
    assert stored_schedules() == []


def test_a_cinema_with_several_active_cards_asks_which_one(client, admin, make):
    hall = make.hall()
    make.price_card(hall.cinema, rules=[{"price": "50.00"}])
    chosen = make.price_card(hall.cinema, rules=[{"price": "40.00"}])
    response = submit(client, "/admin/schedule/new/", schedule_form(make.movie(), hall, at(19)))
    assert "several active price cards; choose one" in " ".join(page_messages(response.text))
    response = submit(
        client, "/admin/schedule/new/", schedule_form(make.movie(), hall, at(19), card=chosen)
    )
    assert response.status_code == 302, page_messages(response.text)
    assert stored_schedules()[0].price == Decimal("40.00")


def test_manager_cannot_give_their_card_to_another_cinema(client, login_as, make):
    mine, theirs = make.cinema(), make.cinema()
    login_as(access.CINEMA_MANAGER, cinemas=[mine])
    response = submit(client, "/admin/pricecard/new/", card_form(theirs, {"price": "50.00"}))
    assert response.status_code == 200
    assert stored_cards() == []


# -- the floor price: no show price below it, on any path ---------------------------------------
FLOOR_MESSAGE = "below the floor price of 流浪地球 (40.00)"


def floored_movie(make):
    return make.movie(title="流浪地球", min_price=Decimal("40.00"))


def test_hand_price_below_the_floor_is_refused(client, admin, make):
    response = submit(
        client,
        "/admin/schedule/new/",
        schedule_form(floored_movie(make), make.hall(), at(19), price="39.99"),
    )
    assert response.status_code == 200
    assert any(FLOOR_MESSAGE in m for m in page_messages(response.text))
    assert stored_schedules() == []


def test_card_price_below_the_floor_is_refused(client, admin, make):
    hall = make.hall()
    make.price_card(hall.cinema, rules=MATINEE_AND_VIP)  # child 30.00
    response = submit(
        client, "/admin/schedule/new/", schedule_form(floored_movie(make), hall, at(19))
    )
    assert any(FLOOR_MESSAGE in m for m in page_messages(response.text))
    assert stored_schedules() == []


def test_bulk_card_prices_below_the_floor_create_nothing(client, admin, make):
    hall = make.hall()
    make.price_card(
        hall.cinema, rules=[{"price": "50.00"}, {"price": "35.00", "starts_before": dt.time(12)}]
    )
    movie = floored_movie(make)
    grant_covering_right(db.session, movie, hall.cinema)
    response = submit(
        client,
        "/admin/schedule/bulk/",
        {
            "movie": movie.id,
            "hall": hall.id,
            "first_day": MONDAY.isoformat(),
            "last_day": MONDAY.isoformat(),
            "start_times": "10:00, 19:00",
            "price": "",
            "status": "scheduled",
        },
    )
    problems = re.findall(r'class="list-group-item bulk-problem">(.*?)</li>', response.text, re.S)
    assert len(problems) == 1 and "Mar 4, 2030, 10:00\u202fAM" in problems[0]
    assert "below the floor price of 流浪地球 (40.00)" in problems[0]
    assert stored_schedules() == []


def test_edited_price_below_the_floor_is_refused(client, admin, make):
    show = make.schedule(movie=floored_movie(make), price=Decimal("45.00"))
    data = {
        "movie": show.movie_id,
        "hall": show.hall_id,
        "starts_at": show.starts_at.strftime("%Y-%m-%d %H:%M:%S"),
        "price": "30.00",
        "language_version": "",
        "status": "scheduled",
        "form_version": show.version,
    }
    response = submit(client, f"/admin/schedule/edit/?id={show.id}", data)
    assert any(FLOOR_MESSAGE in m for m in page_messages(response.text))
    assert db.session.get(Schedule, show.id).price == Decimal("45.00")


def test_edited_price_replaces_the_adult_standard_price(client, admin, make):
    show = make.schedule(price=Decimal("45.00"))
    data = {
        "movie": show.movie_id,
        "hall": show.hall_id,
        "starts_at": show.starts_at.strftime("%Y-%m-%d %H:%M:%S"),
        "price": "48.00",
        "language_version": "",
        "status": "scheduled",
        "form_version": show.version,
    }
    response = submit(client, f"/admin/schedule/edit/?id={show.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert prices_of(show.id) == {("adult", "standard"): Decimal("48.00")}


def test_reprice_below_the_floor_changes_nothing(client, admin, make):
    show = make.schedule(movie=floored_movie(make), starts_at=at(10), price=Decimal("45.00"))
    make.price_card(show.hall.cinema, rules=MATINEE_AND_VIP)
    response = run_action(client, "reprice", [show.id])
    messages = " ".join(page_messages(response.text))
    assert "Nothing was re-priced" in messages and FLOOR_MESSAGE in messages
    assert prices_of(show.id) == {("adult", "standard"): Decimal("45.00")}


def test_floor_raised_above_a_coming_shows_price_is_refused(client, admin, make):
    movie = make.movie(title="流浪地球")
    show = make.schedule(movie=movie, starts_at=dt.datetime(2030, 3, 4, 19), price=Decimal("35.00"))
    page = client.get(f"/admin/movie/edit/?id={movie.id}")
    form = {
        "title": movie.title,
        "duration_minutes": "120",
        "release_date": "2020-01-01",
        "status": "showing",
        "min_price": "40.00",
        "form_version": str(movie.version),
    }
    response = client.post(
        f"/admin/movie/edit/?id={movie.id}", data={"csrf_token": csrf_from(page.text), **form}
    )
    messages = " ".join(page_messages(response.text))
    assert f"#{show.id} 2030-03-04 19:00 (35.00)" in messages and "40.00" in messages
    db.session.expire_all()
    assert db.session.get(Movie, movie.id).min_price is None


# -- scope of the price card views ----------------------------------------------------------------
@pytest.fixture()
def two_cards(make):
    mine, theirs = make.cinema(name="我的影城"), make.cinema(name="别人影城")
    return (
        make.price_card(mine, name="我的价目", rules=[{"price": "50.00"}]),
        make.price_card(theirs, name="别人价目", rules=[{"price": "50.00"}]),
    )


def test_manager_sees_only_their_cinemas_cards(client, login_as, two_cards):
    mine, theirs = two_cards
    login_as(access.CINEMA_MANAGER, cinemas=[mine.cinema])
    listing = client.get("/admin/pricecard/").text
    assert "我的价目" in listing and "别人价目" not in listing
    assert client.get(f"/admin/pricecard/details/?id={mine.id}").status_code == 200
    assert client.get(f"/admin/pricecard/details/?id={theirs.id}").status_code == 404
    assert client.get(f"/admin/pricecard/edit/?id={theirs.id}").status_code == 404
    lookup = client.get("/admin/pricecard/ajax/lookup/?name=cinema&query=影城").get_json()
    assert [label for _, label in lookup] == ["我的影城"]


def test_export_of_a_user_scoped_to_one_cinema_holds_only_its_cards(
    client, login_as, make, two_cards
):
    """No default scoped role exports cards; a role an admin makes may (permission rows)."""
    mine, _ = two_cards
    role = Role(
        code="price_reader",
        name="价目查看",
        permissions=db.session.query(Permission)
        .filter(Permission.code.in_(["pricecard.view", "pricecard.export"]))
        .all(),
    )
    db.session.add(role)
    db.session.commit()
    login_as(make.user("price_reader", cinemas=[mine.cinema]))
    export = client.get("/admin/pricecard/export/csv/")
    assert export.status_code == 200
    text = export.data.decode("utf-8-sig")
    assert "我的价目" in text and "别人价目" not in text


def test_manager_cannot_edit_or_delete_another_cinemas_card(client, login_as, two_cards):
    mine, theirs = two_cards
    login_as(access.CINEMA_MANAGER, cinemas=[mine.cinema])
    token = csrf_from(client.get("/admin/pricecard/").text)
    edit = client.post(
        f"/admin/pricecard/edit/?id={theirs.id}",
        data={
            "csrf_token": token,
            "cinema": theirs.cinema_id,
            "name": "改",
            "is_active": "y",
            **rule_fields(0, price="1.00"),
            "form_version": theirs.version,
        },
    )
    assert edit.status_code == 404
    delete = client.post("/admin/pricecard/delete/", data={"csrf_token": token, "id": theirs.id})
    assert delete.status_code in (302, 404)
    client.post(
        "/admin/pricecard/action/",
        data={"csrf_token": token, "action": "delete", "rowid": [str(theirs.id)]},
    )
    names = {c.name for c in stored_cards()}
    assert names == {"我的价目", "别人价目"}
    assert [r.price for r in stored_rules()] == [Decimal("50.00")] * 2


def test_manager_edits_their_own_card(client, login_as, two_cards):
    mine, _ = two_cards
    login_as(access.CINEMA_MANAGER, cinemas=[mine.cinema])
    data = {
        **card_form(mine.cinema, {"price": "55.00"}, name="我的新价目"),
        "rules-0-id": str(mine.rules[0].id),
        "form_version": str(mine.version),
    }
    response = submit(client, f"/admin/pricecard/edit/?id={mine.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert {c.name for c in stored_cards()} == {"我的新价目", "别人价目"}


def test_ticket_types_are_the_five_of_the_contract(client, admin):
    listing = client.get("/admin/tickettype/").text
    for code in ("adult", "student", "child", "senior", "member"):
        assert f">{code}<" in listing


def test_used_ticket_type_cannot_be_deleted(client, admin, make):
    make.price_card(make.cinema(), rules=[{"price": "50.00"}])
    adult = ticket_type(db.session, "adult")
    token = csrf_from(client.get("/admin/tickettype/").text)
    response = client.post(
        "/admin/tickettype/delete/",
        data={"csrf_token": token, "id": adult.id},
        follow_redirects=True,
    )
    assert any("Price card rules use this ticket type" in m for m in page_messages(response.text))
    assert ticket_type(db.session, "adult") is not None


# -- demo data -------------------------------------------------------------------------------------
def test_demo_data_has_rights_one_ending_soon_and_cards_with_matinee_and_vip_prices(app_ctx):
    from portal.models import ScreeningRight
    from portal.services.demo import seed_demo
    from portal.services.rights import ending_with_later_shows

    seed_demo(db.session)
    db.session.commit()
    assert db.session.query(ScreeningRight).count() > 0
    (ending,) = db.session.query(ScreeningRight).filter(ending_with_later_shows()).all()
    assert (ending.movie.title, ending.cinema.name) == ("满江红", "万达影城（CBD店）")
    card = db.session.query(PriceCard).filter(PriceCard.cinema.has(name="上海影城")).one()
    check_card(card)
    morning = (
        db.session.query(Schedule)
        .join(Schedule.hall)
        .filter(Schedule.hall.has(cinema_id=card.cinema_id))
        .order_by(Schedule.starts_at)
        .first()
    )
    prices = prices_of(morning.id)
    assert morning.starts_at.hour == 10
    assert prices[("adult", "standard")] == Decimal("35.00")
    assert prices[("adult", "vip")] == Decimal("55.00")
    assert prices[("child", "standard")] == Decimal("30.00")
    seed_demo(db.session)  # idempotent: no second card, no second right
    db.session.commit()
    assert db.session.query(PriceCard).count() == 3
