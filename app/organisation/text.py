"""Names people type or import: normalised the same way everywhere, refused when they cannot be
shown safely (pure functions, no Flask).

A name ends up in page titles, CSV cells, PDF posters and download headers. Control characters
(NUL, CR/LF, tab, escape …) break headers and databases; a name of only zero-width characters looks
empty on every page. NFC makes the same characters typed on different systems compare equal.
"""
from __future__ import annotations

import unicodedata

#: Characters that end a line anywhere (U+2028/U+2029 are not in category Cc but break lines too).
_LINE_BREAKS = {"\u2028", "\u2029", "\x85"}


def clean_text(value: str) -> str:
    """NFC-normalised, with surrounding whitespace and invisible format characters removed."""
    text = unicodedata.normalize("NFC", value)
    start, end = 0, len(text)
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return text[start:end]


def has_control_characters(text: str) -> bool:
    """True for NUL, CR, LF, tab and every other control or line-breaking character."""
    return any(unicodedata.category(c) in ("Cc", "Cs") or c in _LINE_BREAKS for c in text)


def is_visibly_empty(text: str) -> bool:
    """True when nothing would show: only whitespace and zero-width/format characters."""
    return all(_is_blank(c) for c in text)


def _is_blank(char: str) -> bool:
    """Whitespace or an invisible format character (zero-width space, joiner, BOM …)."""
    return char.isspace() or unicodedata.category(char) == "Cf"
