"""The plaque poster: the school's one permanent QR code, printed once, A4 or A3.

Layout only: every user-facing string arrives translated (see plaque_poster). The shipped CJK
font is embedded. A3 is the A4 layout scaled by √2, so both print alike.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import PathPaintRule

from ..downloads import clean_filename
from ..reporting.fonts import font_path, mono_font_path
from ..reporting.poster import _fit_lines, posters_zip
from ..reporting.qr import qr_matrix
from .models import PlaqueLink
from .services import plaque_links, supervisor_names

SIZES = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
FONT, MONO = "cjk", "mono"
PRIMARY = (27, 74, 122)
SOFT = (214, 228, 243)
TINT = (236, 243, 250)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
WHITE = (255, 255, 255)
PT = 25.4 / 72
QUIET_MODULES = 4


def poster_pdf(*, size: str, heading: str, school_name: str, url: str, scan_text: str,
               supervisors_text: str, promise_text: str, footer_text: str) -> bytes:
    """One page: band (heading, school), QR card, scan line, link, supervisors, promise, footer."""
    page_w, page_h = SIZES[size]
    k = page_w / 210.0  # every length below is an A4 millimetre times k
    margin = 18 * k
    width = page_w - 2 * margin
    pdf = FPDF(orientation="P", unit="mm", format=size.upper())
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", font_path())
    pdf.add_font(MONO, "", mono_font_path())
    pdf.set_title(f"{heading} {school_name}")
    pdf.set_creator("Dudao")
    pdf.add_page()

    def centred(text: str, y: float, sizes: tuple, color, max_lines: int = 2, font: str = FONT,
                spacing: float = 1.4) -> float:
        """Write text centred at the largest size that fits; return the y under it."""
        if not text:
            return y
        font_size, lines = _fit_lines(pdf, text, width, sizes=tuple(s * k for s in sizes),
                                      max_lines=max_lines, font=font)
        line_h = font_size * PT * spacing
        pdf.set_font(font, size=font_size)
        pdf.set_text_color(*color)
        for i, line in enumerate(lines):
            pdf.set_xy(margin, y + i * line_h)
            pdf.cell(width, line_h, line, align="C")
        return y + line_h * len(lines)

    # The band: what the plaque is, and whose.
    band_h = 62 * k
    pdf.set_fill_color(*PRIMARY)
    pdf.rect(0, 0, page_w, band_h, style="F")
    y = centred(heading, 12 * k, (26, 24, 22), WHITE)
    centred(school_name, y + 4 * k, (20, 18, 16, 14), SOFT)

    # The QR code, as big as the page allows (it is read through the plaque's glass).
    matrix = qr_matrix(url, border=QUIET_MODULES)
    card = 120 * k
    x0, y0 = (page_w - card) / 2, band_h + 12 * k
    module = card / len(matrix)
    with pdf.local_context(draw_color=PRIMARY, line_width=0.4 * k):
        pdf.rect(x0, y0, card, card, style="D", round_corners=True, corner_radius=3 * k)
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for row_index, row in enumerate(matrix):
            start = None
            for col, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col
                elif not dark and start is not None:
                    path.rectangle(x0 + start * module, y0 + row_index * module,
                                   (col - start) * module, module)
                    start = None
    y = y0 + card + 6 * k
    y = centred(url, y, (9, 8), MUTED, max_lines=2, font=MONO if url.isascii() else FONT)
    y = centred(scan_text, y + 5 * k, (20, 18, 16), PRIMARY)
    y = centred(supervisors_text, y + 5 * k, (14, 12, 11), INK)

    # The promise, in a tinted box.
    font_size, lines = _fit_lines(pdf, promise_text, width - 16 * k,
                                  sizes=(11 * k, 10 * k, 9 * k), max_lines=3, balance=False)
    line_h = font_size * PT * 1.5
    box_h = line_h * len(lines) + 8 * k
    box_y = y + 6 * k
    pdf.set_fill_color(*TINT)
    pdf.rect(margin, box_y, width, box_h, style="F", round_corners=True, corner_radius=3 * k)
    pdf.set_font(FONT, size=font_size)
    pdf.set_text_color(*INK)
    for i, line in enumerate(lines):
        pdf.set_xy(margin + 8 * k, box_y + 4 * k + i * line_h)
        pdf.cell(width - 16 * k, line_h, line, align="C")

    footer_h = 18 * k
    pdf.set_fill_color(*PRIMARY)
    pdf.rect(0, page_h - footer_h, page_w, footer_h, style="F")
    centred(footer_text, page_h - footer_h + 5 * k, (12, 11, 10), WHITE, max_lines=1)
    return bytes(pdf.output())


def plaque_poster(link: PlaqueLink, size: str = "a4") -> bytes:
    """The school's plaque poster, worded through the translation layer."""
    school = link.school
    names = supervisor_names(school)
    return poster_pdf(
        size=size,
        heading=_("School supervision plaque"),
        school_name=school.name,
        url=plaque_links(link)["url"],
        scan_text=_("Scan to take part in surveys · report a problem or make a suggestion"),
        supervisors_text=(_("Responsible supervisor: %(names)s", names="、".join(names))
                          if names else ""),
        promise_text=_("Anonymous: no name or phone number is asked for. Do not name your "
                       "child in a report if you want to stay anonymous."),
        footer_text=current_app.config["OFFICE_NAME"] or _("County Education Supervision Office"),
    )


def poster_filename(link: PlaqueLink, size: str = "a4") -> str:
    """A download name people recognise: school code and name."""
    return clean_filename(f"{link.school.code}-{link.school.name}-{_('plaque')}-{size.upper()}.pdf")


def posters_zip_for(links: list[PlaqueLink], size: str = "a4") -> bytes:
    """Every plaque poster of the given links in one ZIP (safe, unique names)."""
    return posters_zip([(poster_filename(link, size), plaque_poster(link, size)) for link in links])
