"""A production install (`pip install .`, README) carries the compiled catalogs and speaks
Chinese; building it prints no setuptools warnings.

The wheel is built from a copy of the sources without any .mo file (they are build output,
not in git), with the virtualenv's setuptools, wheel and Babel (no download); it is installed
with `pip install --no-deps --target` and imported from there by a fresh Python process.
"""

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCES = shutil.ignore_patterns(
    ".venv",
    ".git",
    "instance",
    "uploads",
    "build",
    "dist",
    "*.mo",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    "tests",
    "bench",
    "docs",
)
CATALOGS = [
    "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
    "portal/translations/zh_Hans_CN/LC_MESSAGES/admin.mo",
    "portal/translations/en/LC_MESSAGES/messages.mo",
]


def pip(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(path of the wheel, everything the build printed)."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    assert not list(source.rglob("*.mo"))
    # What `pip wheel --no-build-isolation` runs, with the backend's warnings shown.
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "default",
            "-c",
            "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])",
            str(base / "dist"),
        ],
        capture_output=True,
        text=True,
        cwd=source,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = (base / "dist").glob("portal-*.whl")
    return wheel, result.stdout + result.stderr


def test_the_wheel_carries_the_compiled_catalogs(built):
    wheel, _output = built
    names = set(zipfile.ZipFile(wheel).namelist())
    for catalog in CATALOGS:
        assert catalog in names, catalog
    assert "portal/templates/auth/login.html" in names
    assert "portal/static/portal.css" in names
    assert "portal/data/cities.json" in names
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_building_the_package_prints_no_setuptools_warning(built):
    _wheel, output = built
    for warning in (
        "is absent from the `packages` configuration",
        "SetuptoolsDeprecationWarning",
        "Package would be ignored",
        "as data is deprecated",
    ):
        assert warning not in output, warning


INSTALLED_APP = textwrap.dedent("""
    import sys
    import portal
    from portal import create_app
    assert portal.__file__.startswith(sys.argv[1]), portal.__file__
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[2],
                     UPLOADS_DEST=sys.argv[3], RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for url in ("/login", "/login?lang=en"):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        print(response.get_data(as_text=True))
""")


def test_the_installed_package_serves_pages_in_chinese(built, tmp_path):
    wheel, _output = built
    target = tmp_path / "site"
    result = pip("install", "--no-deps", "--no-index", "--target", str(target), str(wheel))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (target / CATALOGS[0]).exists()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            INSTALLED_APP,
            str(target),
            str(tmp_path / "portal.db"),
            str(tmp_path / "uploads"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    chinese, english = run.stdout.split("<!DOCTYPE html>")[1:3]
    assert '<h1 class="h3 mb-3">登录</h1>' in chinese
    assert '<h1 class="h3 mb-3">Sign in</h1>' in english
