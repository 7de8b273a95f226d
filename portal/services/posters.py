"""Poster files: verified by decoding, re-encoded without metadata, stored under generated names.

A poster is accepted only when Pillow decodes it completely as a JPEG, PNG or WebP of a sane
pixel count. The decoded pixels are then written out again (so EXIF, GPS, comments, text
chunks and anything appended to the file are dropped; only the ICC colour profile is kept)
under `<uuid hex>.<ext>` in the `posters` upload set, with a `<uuid hex>.thumb.webp`
thumbnail next to it. The client's filename is never used for storage.
"""

import contextlib
import io
import os
import re
import uuid
import warnings

from flask_babel import lazy_gettext as _l
from flask_uploads import UploadNotAllowed
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from ..extensions import posters
from .rules import RuleViolation

# Decoded format -> stored extension. MPO is the JPEG variant many phone cameras write.
FORMAT_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
OPENERS = ("JPEG", "PNG", "WEBP")
# Far above any printed poster at screen resolution, far below what exhausts a worker's memory.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
THUMBNAIL_BOX = (160, 240)
THUMBNAIL_SUFFIX = ".thumb.webp"
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")

NOT_AN_IMAGE = _l("This file is not a JPEG, PNG or WebP image.")
DAMAGED = _l("This image is damaged or incomplete; export it again and upload the new file.")
TOO_MANY_PIXELS = _l(
    "This image is too large (at most %(pixels)s million pixels and %(side)s pixels a side)."
)
TOO_MANY_BYTES = _l("This file is larger than %(size)s.")
PATH_IN_NAME = _l("The file name must not contain a folder path.")
EMPTY = _l("The file is empty.")


class PosterRejected(RuleViolation):
    """The upload is not a poster the portal accepts; the message says why."""


def check_client_filename(filename):
    """Refuse a client filename that carries a path: browsers never send one."""
    if not filename or "/" in filename or "\\" in filename or "\x00" in filename:
        raise PosterRejected(str(PATH_IN_NAME))


def read_upload(storage, max_bytes=None):
    """The bytes of an uploaded FileStorage, refusing more than `max_bytes`."""
    check_client_filename(storage.filename)
    storage.stream.seek(0)
    data = storage.stream.read(max_bytes + 1) if max_bytes else storage.stream.read()
    if max_bytes and len(data) > max_bytes:
        raise PosterRejected(str(TOO_MANY_BYTES % {"size": readable_size(max_bytes)}))
    if not data:
        raise PosterRejected(str(EMPTY))
    return data


def decode_poster(data):
    """Decode `data` completely; the loaded image, or PosterRejected saying what is wrong."""
    try:
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here it always refuses.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=OPENERS) as probe:
                _check_pixels(probe)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=OPENERS)
            _check_pixels(image)
            image.load()
    except PosterRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PosterRejected(_too_many_pixels()) from None
    except UnidentifiedImageError:
        raise PosterRejected(str(NOT_AN_IMAGE)) from None
    except Exception:  # noqa: BLE001 - Pillow's decoders raise many types on bad input
        raise PosterRejected(str(DAMAGED)) from None
    if image.format not in FORMAT_EXTENSIONS:
        raise PosterRejected(str(NOT_AN_IMAGE))
    return image


def verify_upload(storage, max_bytes=None):
    """An uploaded file checked end to end: name, size, format and full decode."""
    return decode_poster(read_upload(storage, max_bytes))


def store_poster(image):
    """Re-encode a decoded poster (changing `image` in place) and its thumbnail into the
    upload set; the stored name."""
    extension = FORMAT_EXTENSIONS[image.format]
    icc_profile = image.info.get("icc_profile")
    ImageOps.exif_transpose(image, in_place=True)  # in place: posters can be 100+ MB decoded
    stem = uuid.uuid4().hex
    name = _save(_encode(image, extension, icc_profile), f"{stem}.{extension}")
    try:
        _save(_encode_thumbnail(image), thumbnail_name(name))
    except Exception:
        delete_poster(name)
        raise
    return name


def thumbnail_name(name):
    """The thumbnail stored next to poster `name`."""
    return os.path.splitext(name)[0] + THUMBNAIL_SUFFIX


def poster_path(name):
    """The file of a stored poster (or thumbnail); None for a name the portal never made."""
    stem = name[: -len(THUMBNAIL_SUFFIX)] + ".webp" if name.endswith(THUMBNAIL_SUFFIX) else name
    if not STORED_NAME.match(stem):
        return None
    return posters.path(name)


def delete_poster(name):
    """Remove a stored poster and its thumbnail; missing files are not an error."""
    if not name:
        return
    for each in (name, thumbnail_name(name)):
        path = poster_path(each)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


def _check_pixels(image):
    width, height = image.size
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise PosterRejected(_too_many_pixels())


def _too_many_pixels():
    return str(TOO_MANY_PIXELS % {"pixels": MAX_PIXELS // 1_000_000, "side": MAX_SIDE})


def readable_size(size):
    """A byte count for people: 8 MB, 1.5 MB, 20 KB, 300 B."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + " " + unit
    return f"{size} B"


def _encode(image, extension, icc_profile):
    # Newer Pillow copies some metadata (XMP) from `info` when saving: keep only transparency.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if extension == "jpg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options.update(format="JPEG", quality=90, optimize=True)
    elif extension == "png":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        options.update(format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        options.update(format="WEBP", quality=90)
    out = io.BytesIO()
    image.save(out, **options)
    return out.getvalue()


def _encode_thumbnail(image):
    thumb = image.convert("RGBA" if _has_alpha(image) else "RGB")
    thumb.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=82)
    return out.getvalue()


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _save(data, name):
    storage = FileStorage(stream=io.BytesIO(data), filename=name)
    try:
        stored = posters.save(storage, name=name)
    except UploadNotAllowed:  # only if the configuration denies an extension we produce
        raise PosterRejected(str(NOT_AN_IMAGE)) from None
    if stored != name:  # a name clash the upload set resolved: never overwrite, never guess
        os.remove(posters.path(stored))
        raise RuntimeError(f"poster name {name} already taken")
    return stored
