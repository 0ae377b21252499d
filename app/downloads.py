"""Download headers built safely from names people typed (school names, indicator keys).

A header value with CR/LF is refused by the server (a 500) and one with characters outside
Latin-1 cannot be sent at all. `content_disposition` drops control characters, gives an ASCII
`filename=` for old clients and the full UTF-8 name as RFC 5987 `filename*=` (Chinese Windows,
WeChat and every current browser use it).
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

#: Characters kept in the ASCII fallback name; everything else becomes "_".
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_filename(name: str, fallback: str = "download") -> str:
    """The name without control, format or path characters; `fallback` if nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    kept = "".join(" " if unicodedata.category(c) in ("Zl", "Zp") else c for c in name
                   if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    kept = re.sub(r"[\\/]", "-", kept).strip(" .")
    return kept or fallback


def ascii_filename(name: str, fallback: str = "download") -> str:
    """An ASCII-only stand-in for a name, keeping its extension."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = _ASCII_UNSAFE.sub("_", unicodedata.normalize("NFKD", stem)).strip("_.")
    extension = _ASCII_UNSAFE.sub("", extension)
    return (stem or fallback) + (f".{extension}" if extension else "")


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A Content-Disposition value that is always a valid header, whatever the name holds."""
    name = clean_filename(filename)
    return (f'{disposition}; filename="{ascii_filename(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")
