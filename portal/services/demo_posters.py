"""Demo posters, drawn with Pillow in the portal's own look and stored like any upload.

Each seeded movie gets a poster: the navbar's dark grey, a band in a colour of its own
(from its title, so the same on every run), the film-strip marks of the favicon, the title
large, the original title and genres below. Stored through services.posters, so a demo
poster is checked, re-encoded and thumbnailed exactly as an uploaded one.
"""

import colorsys
import hashlib
import io
import os

from PIL import Image, ImageDraw, ImageFont

from .posters import decode_poster, store_poster

SIZE = (400, 600)
DARK = (52, 58, 64)  # Bootstrap's dark, the navbar's colour
FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def _font(size):
    for path in FONTS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def _colour(title):
    hue = int(hashlib.sha256(title.encode()).hexdigest()[:4], 16) / 0xFFFF
    return tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.65, 0.85))


def _fitted(draw, text, width, largest, smallest=18):
    size = largest
    while True:
        font, has_cjk = _font(size)
        left, _top, right, _bottom = draw.textbbox((0, 0), text, font=font)
        if right - left <= width or size <= smallest:
            return font, has_cjk, right - left
        size -= 4


def draw_poster(title, original_title="", genres=""):
    """A PNG poster for a movie (bytes)."""
    width, height = SIZE
    image = Image.new("RGB", SIZE, DARK)
    draw = ImageDraw.Draw(image)
    colour = _colour(title)
    for y in range(int(height * 0.62)):
        fade = y / (height * 0.62)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(c * (1 - fade) + d * fade) for c, d in zip(colour, DARK, strict=True)),
        )
    for x in (18, width - 34):
        for y in range(24, height - 24, 34):
            draw.rounded_rectangle([x, y, x + 16, y + 20], radius=3, fill=(33, 37, 41))
    cx, cy = width / 2, height * 0.33
    draw.polygon([(cx - 40, cy - 48), (cx - 40, cy + 48), (cx + 52, cy)], fill=(255, 255, 255))
    font, has_cjk, text_width = _fitted(draw, title, width * 0.78, 64)
    shown = title if has_cjk else (original_title or title)
    if shown != title:
        font, has_cjk, text_width = _fitted(draw, shown, width * 0.78, 48)
    draw.text(((width - text_width) / 2, height * 0.64), shown, fill=(255, 255, 255), font=font)
    for text, top, size, fill in (
        (original_title if has_cjk else "", 0.78, 24, (222, 226, 230)),
        (genres.replace(",", " · "), 0.86, 22, colour),
    ):
        if text:
            small, _cjk, small_width = _fitted(draw, text, width * 0.78, size, 12)
            draw.text(((width - small_width) / 2, height * top), text, fill=fill, font=small)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def seed_posters(movies):
    """Give each movie without a poster a drawn one; returns how many were stored."""
    stored = 0
    for movie in movies:
        if not movie.poster:
            movie.poster = store_poster(
                decode_poster(draw_poster(movie.title, movie.original_title, movie.genres))
            )
            stored += 1
    return stored
