"""The A4 QR poster a supervisor prints and tapes to the school's supervision plaque.

Every user-facing string arrives as a parameter (the app translates it through Flask-Babel);
this module only lays them out. The shipped CJK font is embedded, so the PDF prints the same
on a machine with no Chinese font.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import PathPaintRule

from .fonts import font_path, mono_font_path
from .qr import qr_matrix

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, millimetres
MARGIN = 18.0
CONTENT_W = PAGE_W - 2 * MARGIN
FONT = "cjk"
URL_FONT = "mono"

PRIMARY = (27, 74, 122)        # deep blue header and footer bands
PRIMARY_LIGHT = (52, 106, 160)  # the audience tag on the band
PRIMARY_SOFT = (214, 228, 243)  # secondary text on the band
TINT = (236, 243, 250)         # background of the anonymity promise
INK = (33, 37, 41)
MUTED = (108, 117, 125)
HAIRLINE = (206, 212, 218)
WHITE = (255, 255, 255)

#: Widest QR symbol (without its quiet zone). With the usual texts the code comes out over 9 cm,
#: which scans from arm's length on an older phone even behind the plaque's glass.
QR_MAX_W = 104.0
#: Narrowest, reached only when very long texts leave no room.
QR_FLOOR_W = 70.0
QUIET_MODULES = 4  # the light margin the QR standard asks for around the symbol
FOOTER_H = 18.0
MIN_GAP = 4.5  # least space between two text blocks under the QR code
AFTER_CARD = 6.0  # clears the scan-frame corners, which reach 3 mm below the card
PT = 25.4 / 72  # millimetres per point
ELLIPSIS = "\u2026"

# Line-breaking rules for Chinese (禁则): these never start a line ...
_NO_LINE_START = set("，。、；：？！）》」』】〉〕”’…—·%,.;:?!)]}")
# ... and these never end one.
_NO_LINE_END = set("（《「『【〈〔“‘([{")
# A line may end early, by up to this many characters, to break after a pause mark instead.
_PREFER_WITHIN = 10
_PREFERRED_BREAK_AFTER = set("，。、；：！？,;: ")
_LONG_RUN = 24  # ASCII runs longer than this may be broken inside


def poster_pdf(*, school_name: str, survey_title: str, form_url: str,
               closes_at: datetime | None, audience_label: str,
               supervisor_name: str | None = None, promise_text: str, scan_text: str,
               closes_text: str, footer_text: str) -> bytes:
    """Build the one-page A4 poster and return the PDF bytes.

    `closes_text` is either the finished sentence or a `str.format` template given `date` (the
    datetime), `year`, `month` and `day`; the line is left out when `closes_at` is None.
    `supervisor_name` is printed as given (the caller adds any label).
    """
    pdf = _new_document(survey_title)

    band_bottom = _header_band(pdf, audience_label, survey_title, school_name)
    below_qr = _below_qr_blocks(pdf, form_url, scan_text, closes_text, closes_at,
                                promise_text, supervisor_name)
    # Give the QR code whatever height the texts and their minimum gaps leave, within limits.
    body_top = band_bottom + 10
    body_bottom = PAGE_H - FOOTER_H - 6
    modules = len(qr_matrix(form_url))
    text_h = sum(height for height, _ in below_qr)
    gaps = len(below_qr) - 1
    free_for_card = body_bottom - body_top - text_h - AFTER_CARD - gaps * MIN_GAP
    fitted = free_for_card * modules / (modules + 2 * QUIET_MODULES)
    # Unusually long texts may push the code below 9 cm; a smaller code beats text running
    # into the footer, and 7 cm still scans at close range.
    qr_w = max(QR_FLOOR_W, min(QR_MAX_W, fitted))
    card_w = qr_w * (modules + 2 * QUIET_MODULES) / modules
    # Spread the height left over so the page does not bunch up: half above the card, the
    # rest between the text blocks.
    slack = max(0.0, free_for_card - card_w)
    top_gap = slack / 2
    gap = MIN_GAP + slack / 2 / max(1, gaps + 1)
    y = body_top + top_gap
    _qr_card(pdf, form_url, (PAGE_W - card_w) / 2, y, card_w)
    y += card_w + AFTER_CARD
    for index, (height, draw) in enumerate(below_qr):
        draw(y)
        # The URL belongs to the QR code above it, so the gap under it stays small.
        y += height + (gap if index else MIN_GAP)
    _footer_band(pdf, footer_text)
    return bytes(pdf.output())


def posters_zip(posters: Iterable[tuple[str, bytes]]) -> bytes:
    """Pack (filename, pdf_bytes) pairs into one ZIP with UTF-8 names; duplicates get (2), (3)."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for filename, data in posters:
            name = _unique_name(_safe_filename(filename), used)
            used.add(name.casefold())
            # zipfile sets the UTF-8 flag for non-ASCII names, which Windows 10+, macOS and
            # WPS all honour, so 城关镇第一小学.pdf does not arrive as mojibake.
            archive.writestr(name, data)
    return buffer.getvalue()


def _new_document(title: str) -> FPDF:
    """An A4 portrait document with the shipped CJK font registered and no automatic breaks."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FONT, "", font_path())
    pdf.add_font(URL_FONT, "", mono_font_path())
    pdf.set_title(title)
    pdf.set_creator("Dudao")
    pdf.add_page()
    return pdf


def _header_band(pdf: FPDF, audience_label: str, survey_title: str, school_name: str) -> float:
    """Draw the coloured band with audience tag, title and school; return its bottom edge."""
    title_size, title_lines = _fit_lines(pdf, survey_title, CONTENT_W, sizes=(28, 26, 24, 22, 20),
                                         max_lines=2)
    school_size, school_lines = _fit_lines(pdf, school_name, CONTENT_W, sizes=(18, 16, 14),
                                           max_lines=2)
    tag_h = 8.0
    title_lh = title_size * PT * 1.35
    school_lh = school_size * PT * 1.4
    band_h = (14 + tag_h + 6 + title_lh * len(title_lines) + 3
              + school_lh * len(school_lines) + 12)
    pdf.set_fill_color(*PRIMARY)
    pdf.rect(0, 0, PAGE_W, band_h, style="F")

    y = 14.0
    if audience_label:
        pdf.set_font(FONT, size=11)
        tag_w = pdf.get_string_width(audience_label) + 12
        pdf.set_fill_color(*PRIMARY_LIGHT)
        pdf.rect((PAGE_W - tag_w) / 2, y, tag_w, tag_h, style="F", round_corners=True,
                 corner_radius=tag_h / 2 - 0.01)  # fpdf2 shrinks a radius of exactly h/2
        pdf.set_text_color(*WHITE)
        pdf.set_xy((PAGE_W - tag_w) / 2, y)
        pdf.cell(tag_w, tag_h, audience_label, align="C")
    y += tag_h + 6

    pdf.set_text_color(*WHITE)
    y = _centred_lines(pdf, title_lines, y, title_size, title_lh, bold_color=WHITE)
    y += 3
    pdf.set_text_color(*PRIMARY_SOFT)
    _centred_lines(pdf, school_lines, y, school_size, school_lh)
    return band_h


Block = tuple[float, Callable[[float], None]]  # (height in mm, draw at a given top y)


def _below_qr_blocks(pdf: FPDF, form_url: str, scan_text: str, closes_text: str,
                     closes_at: datetime | None, promise_text: str,
                     supervisor_name: str | None) -> list[Block]:
    """Measure the blocks under the QR code, in page order; empty texts get no block."""
    # The link in small print, for anyone whose phone cannot scan. A link with Chinese in it
    # (an internationalised domain) needs the CJK font.
    blocks = [_text_block(pdf, form_url, sizes=(9, 8), color=MUTED, max_lines=3,
                          font=URL_FONT if form_url.isascii() else FONT)]
    blocks.append(_text_block(pdf, scan_text, sizes=(22, 20, 18, 16), color=PRIMARY, bold=True))
    if closes_at is not None and closes_text:
        blocks.append(_text_block(pdf, _closing_line(closes_text, closes_at), sizes=(14, 12),
                                  color=INK))
    if promise_text:
        blocks.append(_promise_block(pdf, promise_text))
    if supervisor_name:
        blocks.append(_text_block(pdf, supervisor_name, sizes=(11, 10), color=MUTED))
    return [block for block in blocks if block[0] > 0]


def _closing_line(template: str, closes_at: datetime) -> str:
    """Fill {date}, {year}, {month}, {day} into the template; a finished sentence stays as is."""
    if "{" not in template:
        return template
    try:
        return template.format(date=closes_at, year=closes_at.year, month=closes_at.month,
                               day=closes_at.day)
    except (KeyError, IndexError, ValueError):
        # A translation with stray braces should still print, not break the download.
        return template


def _text_block(pdf: FPDF, text: str, *, sizes: tuple[float, ...], color: tuple[int, int, int],
                max_lines: int = 2, bold: bool = False, font: str = FONT) -> Block:
    """A centred paragraph at the largest size that fits in `max_lines`."""
    if not text:
        return 0.0, lambda y: None
    size, lines = _fit_lines(pdf, text, CONTENT_W, sizes=sizes, max_lines=max_lines, font=font)
    line_h = size * PT * 1.4

    def draw(y: float) -> None:
        """Write the paragraph with its top at y."""
        pdf.set_text_color(*color)
        _centred_lines(pdf, lines, y, size, line_h, bold_color=color if bold else None, font=font)

    return line_h * len(lines), draw


def _promise_block(pdf: FPDF, promise_text: str) -> Block:
    """The anonymity promise in a tinted box, led by a small lock."""
    icon_w = 9.0
    text_w = CONTENT_W - 2 * 8 - icon_w
    # Greedy lines here: a sentence reads better broken at its semicolon than evened out.
    size, lines = _fit_lines(pdf, promise_text, text_w, sizes=(11.5, 10.5, 9.5), max_lines=3,
                             balance=False)
    line_h = size * PT * 1.5
    box_h = max(14.0, line_h * len(lines) + 8)

    def draw(y: float) -> None:
        """Draw the box, then the lock and text centred together as one group."""
        pdf.set_fill_color(*TINT)
        pdf.rect(MARGIN, y, CONTENT_W, box_h, style="F", round_corners=True, corner_radius=3)
        pdf.set_font(FONT, size=size)
        widest = max(pdf.get_string_width(line) for line in lines)
        group_x = MARGIN + (CONTENT_W - (icon_w + widest)) / 2
        _lock_icon(pdf, group_x + 1.5, y + box_h / 2)
        pdf.set_text_color(*INK)
        text_top = y + (box_h - line_h * len(lines)) / 2
        for i, line in enumerate(lines):
            pdf.set_xy(group_x + icon_w, text_top + i * line_h)
            pdf.cell(widest, line_h, line, align="L")

    return box_h, draw


def _qr_card(pdf: FPDF, form_url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector squares inside a white card with scan-frame corners."""
    matrix = qr_matrix(form_url, border=QUIET_MODULES)
    module = size / len(matrix)
    with pdf.local_context(draw_color=HAIRLINE, line_width=0.3):
        pdf.rect(x, y, size, size, style="D", round_corners=True, corner_radius=3)
    _scan_corners(pdf, x - 3, y - 3, size + 6)
    # One path for all dark modules: a single fill has no hairline seams between neighbouring
    # squares, and merging runs of a row keeps the PDF small.
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for row_index, row in enumerate(matrix):
            top = y + row_index * module
            start = None
            for col_index, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    path.rectangle(x + start * module, top, (col_index - start) * module,
                                   module)
                    start = None


def _scan_corners(pdf: FPDF, x: float, y: float, size: float) -> None:
    """Four L-shaped brackets around the card: the familiar 'scan here' frame."""
    arm = 12.0
    with pdf.local_context(draw_color=PRIMARY, line_width=1.2, stroke_cap_style="ROUND"):
        for cx, cy, dx, dy in ((x, y, 1, 1), (x + size, y, -1, 1),
                               (x, y + size, 1, -1), (x + size, y + size, -1, -1)):
            pdf.line(cx, cy, cx + dx * arm, cy)
            pdf.line(cx, cy, cx, cy + dy * arm)


def _lock_icon(pdf: FPDF, x: float, cy: float) -> None:
    """A small padlock drawn with vectors, so it needs no icon font."""
    body_w, body_h = 5.0, 4.2
    top = cy - body_h / 2 + 1.2
    with pdf.local_context(draw_color=PRIMARY, fill_color=PRIMARY, line_width=0.7):
        pdf.ellipse(x + 1.0, top - 3.6, body_w - 2.0, 5.0, style="D")
        pdf.rect(x, top, body_w, body_h, style="F", round_corners=True, corner_radius=0.7)


def _footer_band(pdf: FPDF, footer_text: str) -> None:
    """Draw the bottom band carrying the issuing office's name."""
    pdf.set_fill_color(*PRIMARY)
    pdf.rect(0, PAGE_H - FOOTER_H, PAGE_W, FOOTER_H, style="F")
    if footer_text:
        size, lines = _fit_lines(pdf, footer_text, CONTENT_W, sizes=(12, 11, 10, 9), max_lines=2)
        lh = size * PT * 1.35
        pdf.set_text_color(*WHITE)
        top = PAGE_H - FOOTER_H + (FOOTER_H - lh * len(lines)) / 2
        _centred_lines(pdf, lines, top, size, lh)
    pdf.set_y(PAGE_H - FOOTER_H)


def _centred_lines(pdf: FPDF, lines: list[str], y: float, size: float, line_h: float,
                   bold_color: tuple[int, int, int] | None = None, font: str = FONT) -> float:
    """Write lines centred across the content width; return the y under the last one."""
    pdf.set_font(font, size=size)
    context = {}
    if bold_color is not None:
        # The font has no bold weight; stroking the outlines in the text colour thickens them.
        context = {"text_mode": "FILL_STROKE", "draw_color": bold_color,
                   "line_width": size * 0.012}
    with pdf.local_context(**context):
        for i, line in enumerate(lines):
            pdf.set_xy(MARGIN, y + i * line_h)
            pdf.cell(CONTENT_W, line_h, line, align="C")
    return y + line_h * len(lines)


def _fit_lines(pdf: FPDF, text: str, width: float, *, sizes: tuple[float, ...],
               max_lines: int, font: str = FONT, balance: bool = True) -> tuple[float, list[str]]:
    """Pick the largest size at which `text` fits in `max_lines`; wrap it, balanced if asked."""
    for size in sizes:
        pdf.set_font(font, size=size)
        lines = _wrap(pdf, text, width)
        if len(lines) <= max_lines:
            return size, _balance(pdf, text, width, len(lines)) if balance else lines
    # Too long even at the smallest size: an ellipsis is better than text running into the
    # QR code or the footer (the PDF's metadata still holds the full title).
    kept = lines[:max_lines]
    while kept[-1] and pdf.get_string_width(kept[-1] + ELLIPSIS) > width:
        kept[-1] = kept[-1][:-1]
    kept[-1] += ELLIPSIS
    return size, kept


def _balance(pdf: FPDF, text: str, width: float, line_count: int) -> list[str]:
    """Re-wrap at the narrowest width that keeps `line_count` lines, so lines end up even."""
    if line_count <= 1:
        return _wrap(pdf, text, width)
    low, high = width / line_count, width
    for _ in range(12):
        middle = (low + high) / 2
        if len(_wrap(pdf, text, middle)) <= line_count:
            high = middle
        else:
            low = middle
    return _wrap(pdf, text, high)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break mixed Chinese and Latin text into lines no wider than `width` in the current font."""
    tokens = _tokens(text)
    lines: list[str] = []
    start = 0
    while start < len(tokens):
        end = start + 1
        while (end < len(tokens)
               and pdf.get_string_width("".join(tokens[start:end + 1]).strip()) <= width):
            end += 1
        if end < len(tokens):
            end = _break_point(tokens, start, end)
        lines.append("".join(tokens[start:end]).strip())
        start = end
        while start < len(tokens) and tokens[start].isspace():
            start += 1
    return lines or [""]


def _break_point(tokens: list[str], start: int, end: int) -> int:
    """Where a line that could hold tokens[start:end] should end (kinsoku and pause marks)."""
    def allowed(cut: int) -> bool:
        """No closing mark may start the next line, no opening mark may end this one."""
        return (tokens[cut][:1] not in _NO_LINE_START
                and tokens[cut - 1][-1:] not in _NO_LINE_END)

    # Ending a few characters early after a comma reads better than splitting a phrase.
    for cut in range(end, max(start, end - _PREFER_WITHIN), -1):
        if tokens[cut - 1][-1:] in _PREFERRED_BREAK_AFTER and allowed(cut):
            return cut
    for cut in range(end, start, -1):
        if allowed(cut):
            return cut
    return end


def _tokens(text: str) -> list[str]:
    """Split text into breakable units: each CJK character alone, Latin words with their space."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(ch)
    if word:
        tokens.append(word)
    # Long ASCII runs such as URLs would never fit on one line: let them break too.
    result: list[str] = []
    for token in tokens:
        result.extend(_split_long_run(token) if len(token) > _LONG_RUN else [token])
    return result


def _split_long_run(run: str) -> list[str]:
    """Break points in a long ASCII run: after / ? & = - _ . and, failing those, anywhere."""
    pieces, piece = [], ""
    for ch in run:
        piece += ch
        if ch in "/?&=-_.":
            pieces.append(piece)
            piece = ""
    if piece:
        pieces.append(piece)
    result: list[str] = []
    for piece in pieces:
        result.extend(list(piece) if len(piece) > _LONG_RUN else [piece])
    return result


def _safe_filename(name: str) -> str:
    """Strip path separators and control characters from a filename; default to poster.pdf."""
    cleaned = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in name).strip()
    cleaned = cleaned.lstrip(".") or "poster.pdf"
    if not cleaned.lower().endswith(".pdf"):
        cleaned += ".pdf"
    return cleaned


def _unique_name(name: str, used: set[str]) -> str:
    """Append (2), (3) ... before the extension until the name is new in the archive."""
    if name.casefold() not in used:
        return name
    stem, dot, ext = name.rpartition(".")
    counter = 2
    while f"{stem} ({counter}){dot}{ext}".casefold() in used:
        counter += 1
    return f"{stem} ({counter}){dot}{ext}"
