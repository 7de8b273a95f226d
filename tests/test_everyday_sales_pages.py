"""#18's everyday points on the pages that came with orders (#16) and the box office (#17):
orders, tickets, customers, the counter sale and the box office report. One date style per
language, exports in Shanghai time and named after what they hold, History on order and
customer details with entries in words, flashes that name their record, and error pages
that keep the navbar."""

import csv
import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import to_portal_time, wall_clock_now
from portal.models import Seat

from .conftest import csrf_from, page_messages

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
STAMPS = {
    "zh_Hans_CN": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}"),
    "en": re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M"),
}


def seat(show, label):
    seats = db.session.scalars(select(Seat).where(Seat.layout_id == show.seat_layout_id))
    return next(s for s in seats if s.ticket_label == label)


@pytest.fixture()
def show(app_ctx, make):
    return make.show_on_sale(starts_at=dt.datetime(2030, 5, 6, 20, 0))


@pytest.fixture()
def order(make, show):
    customer = make.customer(phone="13812345678")
    made = make.online_order(
        show,
        [seat(show, "1排1座"), seat(show, "1排2座")],
        customer=customer,
        paid_at=dt.datetime(2030, 5, 1, 4, 58, 7, 123456),
    )
    return made


def table(html, element_id):
    return re.search(rf'id="{element_id}".*?</table>', html, re.S).group(0)


# -- one date style per language ----------------------------------------------------------
@pytest.mark.parametrize("lang", STAMPS)
def test_order_ticket_and_customer_pages_read_dates_in_the_one_style(client, login_as, order, lang):
    login_as("platform_admin")
    client.get(f"/admin/?lang={lang}")
    for url in (
        "/admin/order/",
        f"/admin/order/details/?id={order.id}",
        "/admin/ticket/",
        "/admin/customer/",
        f"/admin/customer/details/?id={order.customer_id}",
        f"/admin/order/tickets/?id={order.id}",
    ):
        html = client.get(url).text
        body = html.split('id="sign-out"', 1)[-1]
        assert STAMPS[lang].search(body), url
        assert not ISO_DAY.search(re.sub(r'(href|action|value)="[^"]*"', "", body)), url
        assert ".123456" not in body and "2030/5/" not in body, url


@pytest.mark.parametrize("lang, day", [("zh_Hans_CN", "2030年5月6日"), ("en", "May 6, 2030")])
def test_the_box_office_report_reads_days_in_the_one_style(client, login_as, order, lang, day):
    login_as("platform_admin")
    client.get(f"/admin/?lang={lang}")
    html = client.get("/admin/boxoffice/?period=custom&start=2030-05-06&end=2030-05-06").text
    period = re.search(r'id="report-period">.*?</p>', html, re.S).group(0)
    rows = table(html, "report-table")
    assert day in period and not ISO_DAY.search(re.sub(r'href="[^"]*"', "", period))
    assert day in rows and not ISO_DAY.search(rows)


def exported(client, endpoint):
    response = client.get(f"/admin/{endpoint}/export/csv/")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_orders_csv_gives_shanghai_time_to_the_second(client, english, login_as, order):
    login_as("platform_admin")
    row = exported(client, "order")[0]
    assert row["Paid at"] == "2030-05-01 12:58:07"
    created = to_portal_time(order.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert row["Created at"] == created


def test_the_customers_csv_gives_shanghai_time_to_the_second(client, english, login_as, order):
    login_as("platform_admin")
    row = exported(client, "customer")[0]
    created = to_portal_time(order.customer.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert row["Signed up"] == created


# -- exports named after what they hold -----------------------------------------------------
def export_name(response):
    assert response.status_code == 200
    return unquote(response.headers["Content-Disposition"].split("filename*=UTF-8''")[1])


@pytest.mark.parametrize(
    "url, expected, extension",
    [
        ("/admin/order/export/csv/", "订单", "csv"),
        ("/admin/ticket/export/csv/", "影票", "csv"),
        ("/admin/customer/export/csv/", "顾客", "csv"),
        ("/admin/boxoffice/export/csv/", "票房", "csv"),
        ("/admin/boxoffice/export/xlsx/", "票房", "xlsx"),
    ],
)
def test_exports_are_named_after_what_they_hold_and_the_local_time(
    client, login_as, order, url, expected, extension
):
    login_as("platform_admin")
    client.get("/admin/?lang=zh_Hans_CN")
    before = wall_clock_now()
    name = export_name(client.get(url))
    after = wall_clock_now()
    assert name in {f"{expected}_{m:%Y-%m-%d_%H%M}.{extension}" for m in (before, after)}


# -- history on order and customer details ------------------------------------------------
@pytest.mark.parametrize(
    "endpoint, table_name", [("order", "ticket_order"), ("customer", "customer")]
)
def test_order_and_customer_details_link_to_their_history(
    client, english, login_as, order, endpoint, table_name
):
    login_as("platform_admin")
    record_id = order.id if endpoint == "order" else order.customer_id
    html = client.get(f"/admin/{endpoint}/details/?id={record_id}").text
    history = f"/admin/auditlog/history/?model={table_name}&amp;id={record_id}"
    assert history in html
    assert client.get(history.replace("&amp;", "&")).status_code == 200


def refund(client, order, tickets):
    page = client.get(f"/admin/order/details/?id={order.id}").text
    data = {"csrf_token": csrf_from(page), "ticket": [str(t.id) for t in tickets]}
    return client.post(f"/admin/order/refund/?id={order.id}", data=data, follow_redirects=True)


def history_entries(client, table_name, record_id, lang):
    page = client.get(
        f"/admin/auditlog/history/?model={table_name}&id={record_id}&lang={lang}"
    ).text
    return re.findall(r'<tr class="history-entry">(.*?)</tr>', page, re.S)


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", ("Status", "Paid", "Partially refunded")),
        ("zh_Hans_CN", ("状态", "已支付", "部分退票")),
    ],
)
def test_a_refund_reads_in_words_in_the_orders_history(client, login_as, order, lang, words):
    login_as("platform_admin")
    client.get(f"/admin/?lang={lang}")
    refund(client, order, [order.tickets[0]])
    newest = history_entries(client, "ticket_order", order.id, lang)[0]
    assert all(word in newest for word in words), newest
    assert "partially_refunded" not in newest and ">status<" not in newest


def test_blocking_and_unblocking_read_in_words_newest_first(client, english, login_as, order):
    login_as("platform_admin")
    for action in ("block", "unblock"):
        block(client, order.customer, action)
    entries = history_entries(client, "customer", order.customer_id, "en")
    assert len(entries) >= 2
    assert "is_blocked" not in "".join(entries)
    unblocked, blocked = entries[0], entries[1]
    assert "On the blacklist" in unblocked
    assert unblocked.index("Yes") < unblocked.index("No")  # Yes -> No: the unblock, first
    assert blocked.index("No") < blocked.index("Yes")


# -- flashes that name their record -------------------------------------------------------
def block(client, customer, action="block", rows=None):
    page = client.get("/admin/customer/").text
    return client.post(
        "/admin/customer/action/",
        data={
            "csrf_token": csrf_from(page),
            "action": action,
            "rowid": [str(c.id) for c in (rows or [customer])],
        },
        follow_redirects=True,
    )


def test_a_refund_names_the_order_and_the_count(client, english, login_as, order):
    login_as("platform_admin")
    messages = page_messages(refund(client, order, order.tickets).text)
    assert (
        f"Tickets refunded from order {order.order_no}: 2. Their seats sell again." in messages
    ), messages


def test_marking_paid_and_cancelling_name_the_order(client, english, login_as, make, show):
    paid = make.online_order(show, [seat(show, "2排1座")], status="awaiting_confirmation")
    dropped = make.online_order(show, [seat(show, "2排2座")], status="awaiting_confirmation")
    login_as("platform_admin")
    page = client.get(f"/admin/order/details/?id={paid.id}").text
    done = client.post(
        f"/admin/order/confirm/?id={paid.id}",
        data={"csrf_token": csrf_from(page), "payment_ref": "WX-1"},
        follow_redirects=True,
    )
    assert f"Order {paid.order_no} is marked paid." in page_messages(done.text)
    cancelled = client.post(
        f"/admin/order/cancel/?id={dropped.id}",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert f"Order {dropped.order_no} is cancelled; its seats sell again." in page_messages(
        cancelled.text
    )


def test_blocking_a_customer_names_them_by_phone_as_the_reader_sees_it(
    client, english, login_as, order
):
    login_as("platform_admin")  # reads phones whole
    messages = page_messages(block(client, order.customer).text)
    assert "Customer 13812345678 blocked." in messages, messages
    messages = page_messages(block(client, order.customer, "unblock").text)
    assert "Customer 13812345678 unblocked." in messages, messages


def test_blocking_several_customers_names_their_phones(client, english, login_as, make, order):
    other = make.customer(phone="13900001111")
    login_as("platform_admin")
    messages = page_messages(block(client, None, rows=[order.customer, other]).text)
    assert any(
        m.startswith("2 customers blocked: ") and "13812345678" in m and "13900001111" in m
        for m in messages
    ), messages


# -- error pages keep the navbar ----------------------------------------------------------
@pytest.mark.parametrize(
    "url, code",
    [
        ("/admin/order/details/?id=999999", 404),
        ("/admin/customer/details/?id=999999", 404),
        ("/admin/order/tickets/?id=999999", 404),
        ("/admin/schedule/seats/?id=999999", 404),
    ],
)
def test_sales_error_pages_keep_the_menu_the_user_and_sign_out(client, login_as, url, code):
    user = login_as("auditor")
    response = client.get(url)
    assert response.status_code == code
    assert f'id="signed-in-as">{user.username}<' in response.text
    assert 'id="sign-out"' in response.text and 'href="/admin/order/"' in response.text


@pytest.mark.parametrize("url", ["/admin/boxoffice/", "/admin/schedule/seats/?id={show}"])
def test_sales_refusals_keep_the_menu_the_user_and_sign_out(client, make, login_as, show, url):
    user = login_as("content_editor")
    response = client.get(url.format(show=show.id))
    assert response.status_code == 403
    assert f'id="signed-in-as">{user.username}<' in response.text
    assert 'id="sign-out"' in response.text


def test_the_dashboards_shows_and_trend_read_times_and_days_in_the_one_style(
    client, english, login_as, make, ten_in_the_morning
):
    now = ten_in_the_morning()
    starts = now.replace(hour=23, minute=30, second=0, microsecond=0)
    make.show_on_sale(layout="SSSS", starts_at=starts)
    login_as("platform_admin")
    html = client.get("/admin/").text
    shows = table(html, "shows-table")
    assert "11:30\u202fPM" in shows and "23:30" not in shows
    assert not re.search(r'"\d{2}-\d{2}"', html)  # the trend's days: "Dec 2", not "12-02"
