"""A listed entry's certificate (PDF, printed by WeasyPrint like release.pdf, renderer.py's checks first) and its
share card (PNG, drawn with Pillow in the same CJK font). Both carry the verification address, which checks the
certificate against the release (routes/entries.py)."""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import textwrap

from .pdf_file import document_pdf
from .renderer import check

CARD = (1200, 630)
RED, INK, GREY = (180, 0, 0), (26, 26, 26), (90, 90, 90)


def certificate_pdf(html: str) -> bytes:
    """Byte-identical for the same page: dated by the release (certificate.html's dcterms), named by its HTML."""
    return document_pdf(html)


@functools.cache
def cjk_font() -> str | None:
    """The file of the CJK font fontconfig finds (deploy/debian-packages.txt: fonts-wqy-microhei)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    found = subprocess.run([fc_match, "-f", "%{file}", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    return found or None


def _lines(text: str, width: int, most: int) -> list[str]:
    lines = textwrap.wrap(text, width) or [""]
    return lines[:most - 1] + [lines[most - 1][:-1] + "…"] if len(lines) > most else lines


def share_card_png(campaign_title: str, list_line: str, title: str, holder: str, unit: str, address: str) -> bytes:
    check()  # the same CJK font as the PDF: without it the card would be boxes
    from PIL import Image, ImageDraw, ImageFont

    path = cjk_font()
    font = (lambda size: ImageFont.truetype(path, size)) if path else (lambda size: ImageFont.load_default(size))
    img = Image.new("RGB", CARD, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, CARD[0], 96), fill=RED)
    draw.text((56, 26), campaign_title, font=font(40), fill="white")
    draw.text((56, 130), list_line, font=font(34), fill=RED)
    y = 196
    for line in _lines(title, 24, 2):
        draw.text((56, y), line, font=font(52), fill=INK)
        y += 68
    draw.text((56, y + 20), f"持有单位：{holder}"[:40], font=font(30), fill=INK)
    draw.text((56, y + 66), f"推荐单位：{unit}"[:40], font=font(30), fill=INK)
    draw.line((56, 540, CARD[0] - 56, 540), fill=GREY, width=2)
    draw.text((56, 556), f"核验：{address}"[:90], font=font(22), fill=GREY)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
