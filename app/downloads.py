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
#: Runs of separators left where characters were dropped.
_SEPARATOR_RUN = re.compile(r"[_-]{2,}")


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
    stem = _ASCII_UNSAFE.sub("_", unicodedata.normalize("NFKD", stem))
    # Dropped Chinese leaves runs like "_-2026-_": one separator each, none at the ends.
    stem = _SEPARATOR_RUN.sub(lambda m: "-" if "-" in m.group() else "_", stem).strip("_.-")
    if not any(c.isalpha() for c in stem):
        # Only digits left ("-1.zip", "2026.csv") says nothing: keep them after the fallback word.
        stem = f"{fallback}-{stem}" if stem else fallback
    extension = _ASCII_UNSAFE.sub("", extension)
    return stem + (f".{extension}" if extension else "")


def content_disposition(filename: str, disposition: str = "attachment", ascii_name: str | None = None) -> str:
    """A Content-Disposition value that is always a valid header, whatever the name holds.

    `ascii_name` is the `filename=` stand-in for old clients (e.g. "zone-CG-2026-sleep.csv" for a
    Chinese name); without it one is made from the name itself."""
    name = clean_filename(filename)
    fallback = ascii_filename(clean_filename(ascii_name)) if ascii_name else ascii_filename(name)
    return (f'{disposition}; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")
