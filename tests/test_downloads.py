"""Content-Disposition values are valid headers whatever the file name holds."""
from __future__ import annotations

from urllib.parse import quote, unquote

import pytest

from app.downloads import ascii_filename, clean_filename, content_disposition


@pytest.mark.parametrize("name", ["S1-城关\r\n小学.pdf", "a\x00b\x1b.pdf", "x\u2028y.pdf", "z\u200bz.pdf"])
def test_control_and_line_breaking_characters_never_reach_the_header(name):
    value = content_disposition(name)
    assert value.isascii() and value.isprintable()
    assert all(c not in value for c in "\r\n\x00")
    assert not any(ord(c) < 32 or c in "\u2028\u200b" for c in unquote(value.split("''")[1]))


def test_utf8_name_is_given_in_rfc5987_form_with_an_ascii_fallback():
    value = content_disposition("S001-城关镇第一小学-睡眠.pdf", "inline")
    assert value.startswith('inline; filename="S001')
    assert value.endswith("filename*=UTF-8''" + quote("S001-城关镇第一小学-睡眠.pdf", safe=""))


def test_quotes_semicolons_and_slashes_cannot_break_out_of_the_value():
    value = content_disposition('a"; filename="evil.exe;/../x.csv')
    fallback = value.split('filename="')[1].split('"')[0]
    assert fallback == ascii_filename(clean_filename('a"; filename="evil.exe;/../x.csv'))
    assert all(c not in fallback for c in '";/\\ ')
    assert value.count('"') == 2 and value.count(";") == 2


def test_a_name_with_nothing_printable_falls_back_to_download():
    assert clean_filename("\r\n\x00") == "download"
    assert content_disposition("睡眠.csv").startswith('attachment; filename="download.csv"')
