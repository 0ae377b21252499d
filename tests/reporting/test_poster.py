"""The A4 poster PDF: valid, self-contained, legible, and its QR code scans."""
import io
import re
import subprocess
import tokenize
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from app.reporting import poster
from app.reporting.poster import posters_zip, poster_pdf
from support import require_tool

SCHOOL = "城关镇第一小学"
TITLE = "学生睡眠情况调查（家长卷）"
CLOSES = datetime(2026, 12, 20, 23, 59)
LONG = {
    "school_name": "某某县城关镇第一中心小学附属幼儿园（东校区）",
    "survey_title": "2026年秋季学期“双减”政策落实情况暨课后服务满意度调查问卷（家长卷）",
    "promise_text": "本问卷匿名填写，不收集姓名、电话、身份证号等任何个人信息；结果仅以汇总形式使用，"
                    "任何人无法看到您的单份答卷。",
}
ABSURD = {
    "school_name": "学" * 60, "survey_title": "调查" * 50, "supervisor_name": "督学" * 40,
    "promise_text": "匿名，" * 80, "scan_text": "扫码" * 30, "footer_text": "县" * 70,
    "form_url": "https://dudao.example.gov.cn/s/" + "Ab3" * 40,
}
needs_poppler = require_tool("pdftotext", "pdftoppm", package="poppler-utils")
MM_PER_PT = 25.4 / 72


@pytest.fixture
def make_poster(poster_texts, form_url):
    """Build a poster PDF from the example texts, with any field overridden."""
    def make(**overrides):
        """The poster PDF bytes."""
        fields = {"school_name": SCHOOL, "survey_title": TITLE, "form_url": form_url,
                  "closes_at": CLOSES, **poster_texts, **overrides}
        return poster_pdf(**fields)
    return make


def _text(pdf: bytes, *args: str) -> str:
    """Text of the PDF as poppler's pdftotext extracts it."""
    return subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def _raster(pdf: bytes, dpi: int, folder: Path) -> Image.Image:
    """The first page rendered by pdftoppm as a greyscale image (pdftoppm cannot read stdin)."""
    source = folder / "poster.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(dpi), "-singlefile", str(source),
                    str(folder / "page")], capture_output=True, check=True)
    return Image.open(folder / "page.png")


def _word_boxes(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """(text, x0, y0, x1, y1) in millimetres for each text run pdftotext finds."""
    html = _text(pdf, "-bbox")
    boxes = []
    for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            html):
        boxes.append((word, *(float(v) * MM_PER_PT for v in (x0, y0, x1, y1))))
    return boxes


def test_poster_is_a_small_one_page_pdf(make_poster):
    pdf = make_poster()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert len(pdf) < 200 * 1024


def test_poster_embeds_the_shipped_font_as_truetype(make_poster):
    pdf = make_poster()
    assert b"DudaoWenQuanYiMicroHei" in pdf
    assert b"/FontFile2" in pdf  # an embedded TrueType program, not a reference to a system font


@require_tool("pdffonts", package="poppler-utils")
def test_every_font_in_the_poster_is_embedded(make_poster, tmp_path):
    # A font left to the reader's system (even base-14 Courier) vanishes on a machine without it.
    source = tmp_path / "poster.pdf"
    source.write_bytes(make_poster())
    listing = subprocess.run(["pdffonts", str(source)], capture_output=True, check=True,
                             text=True).stdout.splitlines()[2:]
    assert len(listing) == 2
    assert all(line.split()[-5] == "yes" for line in listing)  # the "emb" column


@needs_poppler
def test_poster_text_is_extractable_chinese(make_poster, poster_texts, form_url):
    text = _text(make_poster())
    for expected in (SCHOOL, TITLE, poster_texts["scan_text"], poster_texts["promise_text"],
                     poster_texts["footer_text"], poster_texts["supervisor_name"],
                     poster_texts["audience_label"], "填写截止：2026年12月20日", form_url):
        assert expected in text


@needs_poppler
def test_closing_line_is_left_out_without_a_closing_date(make_poster):
    text = _text(make_poster(closes_at=None, supervisor_name=None))
    assert "填写截止" not in text and "责任督学" not in text
    assert SCHOOL in text


@needs_poppler
def test_closes_text_without_placeholders_is_printed_as_given(make_poster):
    assert "12月20日前有效" in _text(make_poster(closes_text="12月20日前有效"))
    assert "截止 {到期}" in _text(make_poster(closes_text="截止 {到期}"))


@needs_poppler
def test_qr_code_is_at_least_nine_centimetres_and_centred(make_poster, tmp_path):
    dpi = 100
    page = _raster(make_poster(), dpi, tmp_path)
    # Only the QR modules are pure black; text is drawn in dark grey and band colours.
    black = page.point(lambda v: 255 if v < 8 else 0)
    left, top, right, bottom = black.getbbox()
    width_mm = (right - left) * 25.4 / dpi
    assert width_mm >= 90
    centre_mm = (left + right) / 2 * 25.4 / dpi
    assert abs(centre_mm - 105) < 1


@needs_poppler
@pytest.mark.parametrize("overrides", [{}, LONG, ABSURD], ids=["usual", "long_texts", "absurd"])
def test_qr_code_on_the_printed_poster_scans_to_the_form_url(make_poster, form_url, overrides,
                                                            tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    # 60 dpi is a poor phone photo of a whole A4 sheet; a usual code must still read there.
    dpi = 100 if overrides is ABSURD else 60
    page = _raster(make_poster(**overrides), dpi, tmp_path)
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [overrides.get("form_url", form_url)]


@needs_poppler
@pytest.mark.parametrize("overrides", [{}, LONG, ABSURD], ids=["usual", "long_texts", "absurd"])
def test_no_text_overlaps_or_runs_into_the_footer(make_poster, overrides):
    pdf = make_poster(**overrides)
    boxes = _word_boxes(pdf)
    footer_top = poster.PAGE_H - poster.FOOTER_H
    body = [box for box in boxes if box[2] < footer_top]  # boxes starting above the footer band
    assert all(y1 <= footer_top for _, _, _, _, y1 in body)
    assert all(0 <= x0 and x1 <= poster.PAGE_W for _, x0, _, x1, _ in boxes)
    for i, (_, ax0, ay0, ax1, ay1) in enumerate(boxes):
        for _, bx0, by0, bx1, by1 in boxes[i + 1:]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0


@needs_poppler
def test_long_titles_wrap_onto_two_balanced_lines(make_poster):
    boxes = _word_boxes(make_poster(**LONG))
    title_lines = [box for box in boxes if len(box[0]) > 4 and box[0] in LONG["survey_title"]]
    assert len(title_lines) == 2
    widths = [x1 - x0 for _, x0, _, x1, _ in title_lines]
    assert min(widths) / max(widths) > 0.8
    # The closing bracket never starts a line.
    assert not title_lines[1][0].startswith("）")


@needs_poppler
def test_text_too_long_for_its_place_ends_in_an_ellipsis(make_poster):
    text = _text(make_poster(**ABSURD))
    assert "调查调…" in text and "匿名，…" in text

def test_poster_module_has_no_hard_coded_chinese_strings():
    # User-facing text comes in translated; CJK punctuation for line breaking is allowed.
    hanzi = re.compile(r"[\u3400-\u9fff]")
    for module in ("poster.py", "charts.py", "qr.py", "fonts.py"):
        path = Path(poster.__file__).with_name(module)
        with path.open("rb") as source:
            strings = [tok.string for tok in tokenize.tokenize(source.readline)
                       if tok.type == tokenize.STRING]
        assert not [s for s in strings if hanzi.search(s)], module


def test_zip_keeps_chinese_filenames_in_utf8(make_poster):
    pdf = make_poster()
    data = posters_zip([("城关镇第一小学.pdf", pdf), ("河西乡中心小学", pdf)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == ["城关镇第一小学.pdf", "河西乡中心小学.pdf"]
        assert all(info.flag_bits & 0x800 for info in infos)  # the UTF-8 name flag
        assert archive.read("城关镇第一小学.pdf") == pdf
        assert archive.testzip() is None


def test_zip_renames_duplicates_and_strips_path_separators():
    data = posters_zip([("一小.pdf", b"a"), ("一小.pdf", b"b"), ("../县/一小.pdf", b"c"), ("", b"d")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert names[:2] == ["一小.pdf", "一小 (2).pdf"]
    assert all("/" not in name and "\\" not in name for name in names)
    assert names[3] == "poster.pdf"


def test_empty_zip_is_still_a_valid_archive():
    with zipfile.ZipFile(io.BytesIO(posters_zip([]))) as archive:
        assert archive.namelist() == []
