"""Chinese and English throughout: complete catalogs, the locale choice, translated pages,
and dates, prices and enum values formatted for the reader's language."""

import datetime as dt
import json
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.config import load_config
from portal.extensions import db
from portal.i18n import format_price, format_showtime, format_utc
from portal.models import (
    AuditLog,
    Cinema,
    City,
    Hall,
    Movie,
    Permission,
    Role,
    Schedule,
    SeatLayout,
    User,
)

from .conftest import csrf_from, page_messages

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
LOCALES = ("zh_Hans_CN", "en")
ZH, EN = LOCALES


def catalog(locale, domain="messages"):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po", "rb") as f:
        return read_po(f, locale=locale)


def catalog_files():
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))


def msgids(messages):
    return {m.id for m in messages if m.id}


def translated_pairs():
    """(English msgid, Chinese msgstr) for every own text whose translation differs."""
    return [(m.id, m.string) for m in catalog(ZH) if m.id and m.string and m.string != m.id]


# -- the catalogs ---------------------------------------------------------------------------


@pytest.mark.parametrize("po_path", catalog_files(), ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_catalog_has_no_untranslated_or_fuzzy_entries(po_path):
    with open(po_path, "rb") as f:
        messages = read_po(f)
    untranslated = [
        m.id
        for m in messages
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in messages if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {po_path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy}"


@pytest.mark.parametrize("po_path", catalog_files(), ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_catalog_translations_keep_their_placeholders(po_path):
    with open(po_path, "rb") as f:
        messages = read_po(f)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in messages.check()]
    assert not problems


def test_english_catalog_spells_out_every_text():
    assert all(m.string for m in catalog(EN) if m.id)


def extract_pot(tmp_path):
    """Extract as `make update-translations` does, into a temporary file."""
    target = tmp_path / "fresh.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(target),
            ".",
        ]
    )
    with open(target, "rb") as f:
        return msgids(read_po(f))


def test_pot_matches_the_code(tmp_path, monkeypatch):
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        committed = msgids(read_po(f))
    monkeypatch.chdir(ROOT)
    fresh = extract_pot(tmp_path)
    assert fresh == committed, (
        f"run `make update-translations` and translate: new {sorted(fresh - committed)}, "
        f"gone {sorted(committed - fresh)}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_text_of_the_pot(locale):
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        pot = msgids(read_po(f))
    assert msgids(catalog(locale)) == pot


def message_key(message):
    def as_tuple(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return as_tuple(message.id), as_tuple(message.string)


@pytest.mark.parametrize("po_path", catalog_files(), ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_compiled_catalog_is_up_to_date(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), "run `make translations` (pybabel compile)"
    with open(mo_path, "rb") as f:
        compiled = {message_key(m) for m in read_mo(f) if m.id}
    with open(po_path, "rb") as f:
        source = {message_key(m) for m in read_po(f) if m.id}
    assert compiled == source, "run `make translations` (pybabel compile)"


GETTEXT_IN_FSTRING = re.compile(r"""\bf(["']).*\{[^{}]*\b(_|_l|gettext|lazy_gettext)\(""")


def test_no_gettext_call_hides_inside_an_f_string():
    """pybabel cannot see _() inside an f-string: such a text would never be translated."""
    hidden = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "portal").rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if GETTEXT_IN_FSTRING.search(line)
    ]
    assert not hidden


# -- choosing the language ------------------------------------------------------------------


def page_language(response):
    """The language the switcher marks as current (every page has the switcher)."""
    match = re.search(r'data-locale="([^"]+)"[^>]*aria-current="true"', response.text)
    assert match, response.text[:300]
    return match.group(1)


def test_default_language_is_simplified_chinese(client):
    page = client.get("/login")
    assert page_language(page) == ZH
    assert ">登录</button>" in page.text


def test_default_language_comes_from_portal_default_locale(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    assert page_language(client.get("/login")) == EN


def test_portal_default_locale_setting_is_read_from_the_environment():
    values = load_config("testing", environ={"PORTAL_DEFAULT_LOCALE": "en"})
    assert values["BABEL_DEFAULT_LOCALE"] == "en"
    assert load_config("testing", environ={})["BABEL_DEFAULT_LOCALE"] == ZH


@pytest.mark.parametrize(
    "header, expected",
    [
        ("en-US,en;q=0.9", EN),
        ("zh-CN,zh;q=0.9,en;q=0.5", ZH),
        ("zh-TW", ZH),
        ("fr-FR", ZH),
        ("en;q=0.4,zh;q=0.8", ZH),
    ],
)
def test_browser_language_is_used_when_nothing_was_chosen(client, header, expected):
    assert page_language(client.get("/login", headers={"Accept-Language": header})) == expected


def test_lang_parameter_wins_and_is_remembered_in_the_session(client):
    chinese_browser = {"Accept-Language": "zh-CN"}
    assert page_language(client.get("/login?lang=en", headers=chinese_browser)) == EN
    assert page_language(client.get("/login", headers=chinese_browser)) == EN
    assert page_language(client.get("/login?lang=zh_Hans_CN")) == ZH
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == ZH


def test_unknown_lang_parameter_is_ignored(client):
    assert page_language(client.get("/login?lang=fr", headers={"Accept-Language": "en"})) == EN


def test_saved_preference_beats_the_browser_language(client, make, login_as):
    user = make.user("auditor", locale=EN)
    login_as(user)
    with client.session_transaction() as session:
        session.pop("lang", None)
    assert page_language(client.get("/admin/", headers={"Accept-Language": "zh-CN"})) == EN


def test_session_choice_beats_the_saved_preference(client, make, login_as):
    login_as(make.user("auditor", locale=EN))
    assert page_language(client.get("/admin/?lang=zh_Hans_CN")) == ZH
    assert page_language(client.get("/admin/")) == ZH


def switch_language(client, lang, next_url="/admin/", **extra):
    token = csrf_from(client.get("/login", follow_redirects=True).text)
    return client.post(
        "/language", data={"csrf_token": token, "lang": lang, "next": next_url, **extra}
    )


def test_switcher_saves_the_signed_in_users_language(client, make, login_as):
    user = login_as(make.user("auditor"))
    response = switch_language(client, EN, "/admin/movie/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/movie/")
    assert db.session.get(User, user.id).locale == EN


def test_switcher_needs_the_csrf_token(client, make, login_as):
    user = login_as(make.user("auditor"))
    response = client.post("/language", data={"lang": EN, "next": "/admin/"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).locale is None


def test_switcher_refuses_an_unknown_language(client):
    assert switch_language(client, "fr").status_code == 400


def test_switcher_only_returns_within_the_site(client):
    response = switch_language(client, EN, "https://evil.example/")
    assert response.headers["Location"].endswith("/admin/")


def test_lang_parameter_does_not_change_the_saved_language(client, make, login_as):
    user = login_as(make.user("auditor", locale=ZH))
    client.get("/admin/?lang=en")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == ZH


def test_language_chosen_before_signing_in_is_saved_on_sign_in(client, make, login_as):
    user = make.user("auditor")
    client.get("/login?lang=en")
    login_as(user)
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == EN


def test_switcher_is_a_post_form_on_every_page(client):
    page = client.get("/login").text
    assert 'action="/language"' in page and 'value="en"' in page and "English" in page


# -- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale, expected", [(ZH, "¥59.90"), (EN, "CN¥59.90")])
def test_prices_are_yuan_in_the_locales_notation(app_ctx, locale, expected):
    with app_ctx.test_request_context(), force_locale(locale):
        assert format_price(Decimal("59.90")) == expected


@pytest.mark.parametrize("locale, expected", [(ZH, "19:30"), (EN, "7:30")])
def test_showtimes_are_cinema_wall_clock_without_time_zone_conversion(app_ctx, locale, expected):
    with app_ctx.test_request_context(), force_locale(locale):
        text = format_showtime(dt.datetime(2027, 2, 1, 19, 30), "short")
    assert expected in text and "2" in text


@pytest.mark.parametrize("locale, expected", [(ZH, "19:30"), (EN, "7:30")])
def test_utc_times_are_shown_in_china_time(app_ctx, locale, expected):
    with app_ctx.test_request_context(), force_locale(locale):
        assert expected in format_utc(dt.datetime(2027, 2, 1, 11, 30), "short")


@pytest.mark.parametrize("lang, price, starts", [(ZH, "¥59.90", "19:30"), (EN, "CN¥59.90", "7:30")])
def test_schedule_list_shows_price_and_start_for_the_locale(
    client, make, login_as, lang, price, starts
):
    make.schedule(price=Decimal("59.90"), starts_at=dt.datetime(2030, 3, 1, 19, 30))
    login_as("platform_admin")
    page = visible_texts(client.get(f"/admin/schedule/?lang={lang}").text)
    assert price in page
    assert any(starts in text for text in page)


@pytest.mark.parametrize(
    "lang, labels",
    [
        (ZH, {"正在热映", "杜比影院", "售票中"}),
        (EN, {"Showing", "Dolby Cinema", "On sale"}),
    ],
)
def test_enum_values_are_shown_translated(client, make, login_as, lang, labels):
    hall = make.hall(hall_type="DOLBY")
    make.schedule(hall=hall, movie=make.movie(status="showing"), status="on_sale")
    login_as("platform_admin")
    shown = set()
    for endpoint in ("movie", "hall", "schedule"):
        shown |= set(visible_texts(client.get(f"/admin/{endpoint}/?lang={lang}").text))
    assert labels <= shown
    assert not {"showing", "DOLBY", "on_sale"} & shown


def test_enum_choices_store_the_code_and_show_the_label(client, login_as):
    login_as("platform_admin")
    form = client.get("/admin/movie/new/?lang=zh_Hans_CN").text
    assert re.search(r'<option[^>]*value="coming_soon"[^>]*>即将上映</option>', form)


def filter_options(html, label):
    """The choices Flask-Admin's filter for column `label` offers: {code: shown text}."""
    data = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S).group(1)
    groups = json.loads(unescape(data))
    return {code: text for flt in groups[label] for code, text in (flt["options"] or ())}


@pytest.mark.parametrize(
    "endpoint, column, lang, expected",
    [
        ("movie", "状态", ZH, {"showing": "正在热映", "coming_soon": "即将上映"}),
        ("movie", "Status", EN, {"showing": "Showing", "offline": "Offline"}),
        ("hall", "影厅类型", ZH, {"DOLBY": "杜比影院"}),
        ("schedule", "状态", ZH, {"on_sale": "售票中", "cancelled": "已取消"}),
        ("auditlog", "操作", ZH, {"login_failed": "登录失败"}),
    ],
)
def test_enum_filters_offer_translated_choices(client, login_as, endpoint, column, lang, expected):
    login_as("platform_admin")
    options = filter_options(client.get(f"/admin/{endpoint}/?lang={lang}").text, column)
    assert expected.items() <= options.items()


def test_details_show_yes_no_and_language_translated_and_no_version(client, make, login_as):
    cinema = make.cinema(is_active=True)
    admin = login_as(make.user("platform_admin", locale=EN))
    cinema_page = visible_texts(
        client.get(f"/admin/cinema/details/?id={cinema.id}&lang=zh_Hans_CN").text
    )
    assert "是" in cinema_page and "版本" not in cinema_page
    user_page = visible_texts(client.get(f"/admin/user/details/?id={admin.id}").text)
    assert "English" in user_page and "en" not in user_page


def test_audit_actions_are_shown_translated(client, login_as):
    login_as("platform_admin")
    assert "登录" in visible_texts(client.get("/admin/auditlog/?lang=zh_Hans_CN").text)


# -- Flask-Admin's and WTForms' own texts ---------------------------------------------------


def test_flask_admin_failure_message_is_chinese(client, login_as):
    login_as("platform_admin")
    page = client.get("/admin/city/new/?lang=zh_Hans_CN")
    response = client.post(
        "/admin/city/new/", data={"csrf_token": csrf_from(page.text), "name": ""}
    )
    messages = page_messages(response.text)
    assert "创建记录失败。" in messages
    assert "该字段是必填字段。" in messages


def test_success_message_is_chinese_and_names_the_record(client, login_as):
    login_as("platform_admin")
    page = client.get("/admin/city/new/?lang=zh_Hans_CN")
    response = client.post(
        "/admin/city/new/",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "杭州",
            "pinyin": "HANGZHOU",
            "letter": "H",
            "city_code": "330100",
            "parent_id": "0",
        },
        follow_redirects=True,
    )
    assert "已创建城市“杭州”。" in page_messages(response.text)


def test_page_size_menu_is_chinese(client, login_as):
    login_as("platform_admin")
    texts = visible_texts(client.get("/admin/city/?lang=zh_Hans_CN").text)
    assert "每页 50 条" in texts and "50 items" not in texts


def test_sign_in_form_errors_are_chinese(client):
    page = client.get("/login?lang=zh_Hans_CN")
    response = client.post("/login", data={"csrf_token": csrf_from(page.text)})
    assert "该字段是必填字段。" in visible_texts(response.text)


def test_permission_matrix_is_translated(client, login_as):
    login_as("platform_admin")
    texts = visible_texts(client.get("/admin/role/new/?lang=zh_Hans_CN").text)
    assert {"查看", "新建", "编辑", "删除", "导出", "影片", "审计日志", "全部影院"} <= set(texts)
    assert "view" not in texts and "movie" not in texts


def test_seeded_role_names_follow_the_language_until_renamed(client, login_as):
    login_as("platform_admin")
    auditor = db.session.query(Role).filter_by(code="auditor").one()
    assert "Auditor" in visible_texts(client.get("/admin/role/?lang=en").text)
    auditor.name = "合规组"
    db.session.commit()
    assert "合规组" in visible_texts(client.get("/admin/role/?lang=en").text)


# -- every page in both languages -----------------------------------------------------------


class TextCollector(HTMLParser):
    """What a reader sees: text outside scripts and styles, and a few attributes."""

    ATTRIBUTES = ("placeholder", "title", "aria-label", "data-placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts.extend(value for name, value in attrs if name in self.ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def visible_texts(html):
    collector = TextCollector()
    collector.feed(html)
    return collector.texts


def whole_text_pattern(message):
    """A text node that is exactly `message` (placeholders filled, a trailing colon allowed)."""
    parts = re.split(r"%\(\w+\)[sd]", message)
    return re.compile(r"\s*" + r".+?".join(re.escape(p) for p in parts) + r"\s*[:：*]?\s*")


FLASK_ADMIN_CHROME = (
    "List",
    "Create",
    "Edit",
    "Details",
    "Save",
    "Export",
    "Search",
    "Add Filter",
    "With selected",
    "Save and Add Another",
    "Save and Continue Editing",
    "Delete",
)


def untranslated_texts(texts, lang):
    """Texts of our catalog still in the other language."""
    pairs = translated_pairs()
    if lang == ZH:
        patterns = [whole_text_pattern(en) for en, _zh in pairs]
        patterns += [whole_text_pattern(word) for word in FLASK_ADMIN_CHROME]
    else:
        patterns = [whole_text_pattern(zh) for _en, zh in pairs]
    return sorted({t for t in texts for p in patterns if p.fullmatch(t)})


READ_ONLY = {"permission", "auditlog", "seatlayout"}
ENDPOINTS = {
    "movie": Movie,
    "city": City,
    "cinema": Cinema,
    "hall": Hall,
    "schedule": Schedule,
    "user": User,
    "role": Role,
    "permission": Permission,
    "auditlog": AuditLog,
    "seatlayout": SeatLayout,
}
PAGES = [
    (e, kind)
    for e in ENDPOINTS
    for kind in ("list", "details", "create", "edit")
    if e not in READ_ONLY or kind in ("list", "details")
]
PAGES += [("schedule", "bulk"), ("schedule", "day"), ("schedule", "seats"), ("seatlayout", "hall")]
PAGES += [("user", "invite"), ("profile", "index"), ("profile", "two_factor")]
PAGES += [
    ("dashboard", None),
    ("login", None),
    ("forbidden", None),
    ("not_found", None),
    ("forgot_password", None),
]
# Pages of our own beyond Flask-Admin's: English texts expected on them.
OWN_PAGES = {
    ("schedule", "bulk"): {"Bulk scheduling", "First day", "Start times"},
    ("schedule", "day"): {"Day view", "Previous day", "Next day"},
    ("schedule", "seats"): {"Seat map", "Screen", "Standard", "Blocked"},
    ("seatlayout", "hall"): {
        "Seat layout",
        "Screen",
        "Layout (text form)",
        "Seat numbering",
        "Left to right",
        "Preview",
        "Save as a new version",
        "Versions",
    },
    ("user", "invite"): {"Invite a user", "E-mail address", "Send the invitation"},
    ("profile", "index"): {
        "Your account",
        "Change password",
        "Two-factor sign-in",
        "Where you are signed in",
        "Sign out everywhere else",
    },
    ("profile", "two_factor"): {"Set up two-factor sign-in", "Turn on two-factor sign-in"},
}
OWN_URLS = {
    ("user", "invite"): "/admin/user/invite/",
    ("profile", "index"): "/admin/profile/",
    ("profile", "two_factor"): "/admin/profile/two-factor",
}


def admin_view(app, endpoint):
    return next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)


def expected_labels(app, endpoint, kind, lang):
    """The view's name and the labels of the columns or fields this page shows."""
    view = admin_view(app, endpoint)
    with app.test_request_context(), force_locale(lang):
        if kind in ("list", "details"):
            shown = view._list_columns if kind == "list" else view._details_columns
            return {str(view.name)} | {str(label) for _name, label in shown}
        fields = view.form_columns or ()
        return {str(view.name)} | {
            str(view.column_labels[f]) for f in fields if f in view.column_labels
        }


@pytest.fixture()
def every_kind_of_row(make):
    make.schedule(hall=make.hall(hall_type="IMAX"), movie=make.movie(status="coming_soon"))
    make.user("cinema_manager")


def page_url(endpoint, kind):
    if (endpoint, kind) in OWN_URLS:
        return OWN_URLS[endpoint, kind]
    if kind == "bulk":
        return "/admin/schedule/bulk/"
    if kind == "seats":
        return f"/admin/schedule/seats/?id={db.session.query(Schedule).first().id}"
    if kind == "hall":
        return f"/admin/seatlayout/hall/?hall_id={db.session.query(Hall).first().id}"
    if kind == "day":
        cinema = db.session.query(Cinema).first()
        return f"/admin/schedule/day/?cinema_id={cinema.id}&date=2030-01-01"
    if kind in ("list", "create"):
        return f"/admin/{endpoint}/" + ("new/" if kind == "create" else "")
    row = db.session.query(ENDPOINTS[endpoint]).order_by(ENDPOINTS[endpoint].id).first()
    return f"/admin/{endpoint}/{kind}/?id={row.id}"


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("endpoint, kind", PAGES, ids=lambda v: v or "page")
def test_every_page_is_in_one_language(
    client, app, make, login_as, every_kind_of_row, lang, endpoint, kind
):
    if endpoint == "login":
        response, expected = client.get(f"/login?lang={lang}"), {"Sign in", "Username"}
    elif endpoint == "forgot_password":
        response = client.get(f"/password/forgot?lang={lang}")
        expected = {"Forgot your password?", "E-mail address", "Send the link"}
    elif endpoint == "forbidden":
        login_as("auditor")
        response, expected = client.get(f"/admin/movie/new/?lang={lang}"), {"Forbidden"}
    else:
        login_as("platform_admin")
        if endpoint == "not_found":
            response = client.get(f"/admin/movie/details/?id=999999&lang={lang}")
            expected = {"Not found"}
        elif endpoint == "dashboard":
            response, expected = client.get(f"/admin/?lang={lang}"), {"Dashboard", "Today"}
        else:
            url = page_url(endpoint, kind)
            response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
            expected = OWN_PAGES.get((endpoint, kind)) or expected_labels(app, endpoint, kind, lang)
    assert response.status_code == {"forbidden": 403, "not_found": 404}.get(endpoint, 200)
    if (
        endpoint in ("login", "forbidden", "not_found", "dashboard", "forgot_password")
        or (endpoint, kind) in OWN_PAGES
    ):
        with app.test_request_context(), force_locale(lang):
            from flask_babel import gettext

            expected = {gettext(text) for text in expected}
    texts = visible_texts(response.text)
    seen = {text.strip("«» \u00a0").rstrip(":：").strip() for text in texts}
    assert page_language(response) == lang
    assert expected <= seen, sorted(expected - seen)
    assert untranslated_texts(texts, lang) == []


def test_template_filters_translate_on_every_render_not_once(app_ctx):
    template = app_ctx.jinja_env.from_string("{{ 'on_sale'|enum_label }}")
    with app_ctx.test_request_context():
        with force_locale(ZH):
            assert template.render() == "售票中"
        with force_locale(EN):
            assert template.render() == "On sale"
