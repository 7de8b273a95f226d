"""Journeys: a box-office seller sells a couple pair and a student ticket on a show's seat map
and prints the tickets; a manager refunds one ticket; an auditor finds an order by the code
printed on a ticket.

The demo sells the shows of today and tomorrow; later shows are empty. Hall 3号厅's last row
reads `WSSSSSS.CCCCSSW`: seats 8+9 and 10+11 of row 8 are couple pairs.
"""

import re

from .ui import click_and_wait, column_texts, flashes, list_rows, open_menu, sign_in

HALL = "3号厅"


def first_row(page, **cells):
    """The first list row whose columns (by header) read exactly as given."""
    columns = {header: column_texts(page, header) for header in cells}
    for index in range(list_rows(page).count()):
        if all(columns[h][index] == text for h, text in cells.items()):
            return list_rows(page).nth(index)
    raise AssertionError(f"no row with {cells}")


def test_box_office_sells_a_couple_pair_and_a_student_ticket_and_prints_them(page, snapshot):
    sign_in(page, "boxoffice")
    open_menu(page, "Cinemas", "Schedules")
    # All shows, newest first: the last demo day's, which nobody has bought yet (the list
    # opens on the upcoming ones, today's first).
    click_and_wait(page, page.locator("#when-all"))
    assert "when=all" in page.url
    show = first_row(page, Hall=HALL, Status="On sale")
    click_and_wait(page, show.locator("a[title='Seat map']"))
    seat_map = page.url

    page.locator("label.seat-pick[title^='Row 8, seat 8 ']").click()  # its pair comes along
    page.locator("label.seat-pick[title^='Row 5, seat 3 ']").click()
    assert page.locator("#picked-count").inner_text() == "Picked: 3 seats"
    assert page.locator("label.seat-pick[title^='Row 8, seat 9 '] input").is_checked()
    click_and_wait(page, page.locator("#sale-continue"))

    lines = page.locator("#sale-lines tbody tr")
    assert lines.count() == 3
    student = page.locator(
        "select[aria-label='Ticket type of 5排3座'] option", has_text="学生"
    ).get_attribute("value")
    page.locator("select[aria-label='Ticket type of 5排3座']").select_option(student)
    click_and_wait(page, page.locator("#sale-recalculate"))
    total = page.locator("#sale-total").inner_text()
    click_and_wait(page, page.locator("#sale-confirm"))

    assert any(m.startswith("Sold: order G") for m in flashes(page)), flashes(page)
    tickets = page.locator(".printed-ticket")
    assert tickets.count() == 3
    assert page.locator(".printed-ticket svg").count() == 3  # the QR codes, drawn inline
    seats = sorted(page.locator(".ticket-seat").all_inner_texts())
    assert seats == ["5排3座", "8排8座", "8排9座"]
    assert any("学生" in t for t in page.locator(".ticket-price").all_inner_texts())
    assert total in " ".join(flashes(page))
    snapshot("printed-tickets")

    # The seats are sold on the map now.
    page.goto(seat_map)
    assert page.locator("span.seat.state-sold[title^='Row 8, seat 8 ']").count() == 1


def test_manager_refunds_one_ticket(page):
    sign_in(page, "manager")
    open_menu(page, "Sales", "Orders")
    order = first_row(page, Status="Paid")
    click_and_wait(page, order.locator("a[title='View Record']"))
    before = page.locator("#order-tickets input[name=ticket]").count()
    assert before >= 1
    page.locator("#order-tickets input[name=ticket]").first.check()
    click_and_wait(page, page.locator("#refund-chosen"))

    assert any(
        m.startswith("Tickets refunded from order ") and m.endswith(": 1. Their seats sell again.")
        for m in flashes(page)
    ), flashes(page)
    statuses = page.locator("#order-tickets tbody tr td:last-child").all_inner_texts()
    assert statuses.count("Refunded") == 1


def test_auditor_finds_an_order_by_ticket_code(page):
    sign_in(page, "auditor")
    open_menu(page, "Sales", "Tickets")
    code = column_texts(page, "Ticket code")[0]
    assert re.fullmatch(r"[A-Z2-9]{12}", code), code
    open_menu(page, "Sales", "Orders")
    page.locator("input[name=search]").fill(code)
    page.locator("input[name=search]").press("Enter")
    page.wait_for_load_state()
    assert list_rows(page).count() == 1
    click_and_wait(page, list_rows(page).first.locator("a[title='View Record']"))
    assert code in page.locator("#order-tickets").inner_text()
