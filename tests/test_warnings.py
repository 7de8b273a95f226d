"""The suite fails on a new warning from the portal's own code, and the portal's own code
(forms, migrations) causes none of the deprecation warnings the suite used to print."""

import warnings

import pytest
from flask_migrate import upgrade

from portal import access


def test_a_warning_raised_from_the_portals_own_code_fails_the_test():
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit(
            "old API", DeprecationWarning, "portal/example.py", 1, module="portal.example"
        )


@pytest.mark.parametrize(
    "page",
    [
        "/admin/hall/new/",
        "/admin/movie/new/",
        "/admin/schedule/new/",
        "/admin/schedule/bulk/",
        "/admin/role/new/",
    ],
)
def test_the_portals_forms_pass_wtforms_no_deprecated_choices(client, login_as, page):
    login_as(access.PLATFORM_ADMIN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert client.get(page).status_code == 200
    assert not [w for w in caught if "choices as tuples" in str(w.message)]


def test_migrating_uses_no_deprecated_flask_sqlalchemy_api(app_ctx):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        upgrade()
    assert not [w for w in caught if "get_engine" in str(w.message)]
