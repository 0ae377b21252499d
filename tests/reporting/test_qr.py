"""QR codes: they hold the survey link, at error-correction level Q, as PNG and SVG."""
import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from app.reporting.qr import qr_matrix, qr_png, qr_svg

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_png_is_a_one_bit_image_sized_by_modules_and_border(form_url):
    modules = len(qr_matrix(form_url))
    image = Image.open(io.BytesIO(qr_png(form_url, box_size=7, border=4)))
    assert image.format == "PNG"
    assert image.size == ((modules + 8) * 7,) * 2
    assert image.mode == "1"


def test_png_is_a_pure_function_of_its_input(form_url):
    assert qr_png(form_url) == qr_png(form_url)
    assert qr_png(form_url) != qr_png(form_url + "x")


def test_svg_is_xml_with_one_path_and_a_viewbox(form_url):
    root = ET.fromstring(qr_svg(form_url))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox")
    paths = root.findall(f".//{SVG_NS}path")
    assert len(paths) == 1 and paths[0].get("d")


def test_matrix_is_a_square_symbol_with_finder_patterns(form_url):
    matrix = qr_matrix(form_url)
    size = len(matrix)
    assert (size - 17) % 4 == 0 and all(len(row) == size for row in matrix)
    # The three 7x7 finder squares have a dark outer ring.
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        ring = [matrix[top][left + i] for i in range(7)] + [matrix[top + i][left] for i in range(7)]
        assert all(ring)


def test_matrix_border_adds_light_modules(form_url):
    bare, framed = qr_matrix(form_url), qr_matrix(form_url, border=4)
    assert len(framed) == len(bare) + 8
    assert not any(framed[0]) and not any(row[0] for row in framed)


def test_empty_data_is_refused(form_url):
    with pytest.raises(ValueError):
        qr_png("")


def test_png_decodes_back_to_the_url_at_level_q(form_url):
    zxingcpp = pytest.importorskip("zxingcpp")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(form_url))))
    assert [r.text for r in results] == [form_url]
    assert str(results[0].ec_level) == "Q"


def test_svg_decodes_back_to_the_url(form_url):
    zxingcpp = pytest.importorskip("zxingcpp")
    # Rasterise the SVG path ourselves (no SVG renderer needed): it is a union of unit squares.
    root = ET.fromstring(qr_svg(form_url))
    side = int(float(root.get("viewBox").split()[2]))
    image = Image.new("L", (side * 8, side * 8), 255)
    pixels = image.load()
    for x, y in re.findall(r"M(\d+),(\d+)H", root.find(f".//{SVG_NS}path").get("d")):
        for dx in range(8):
            for dy in range(8):
                pixels[int(x) * 8 + dx, int(y) * 8 + dy] = 0
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [form_url]
