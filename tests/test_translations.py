"""The Chinese catalog is complete, in step with the code, and keeps every placeholder."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def load_catalog():
    with CATALOG.open(encoding="utf-8") as handle:
        return read_po(handle)


def test_every_message_is_translated_and_not_fuzzy():
    missing = [m.id for m in load_catalog() if m.id and (m.fuzzy or not m.string
               or (isinstance(m.string, tuple) and not all(m.string)))]
    assert missing == []


def test_translations_keep_their_placeholders():
    for message in load_catalog():
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), source


def test_catalog_holds_every_message_in_the_code(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-o", str(template), "."], check=True, cwd=ROOT, capture_output=True)
    with template.open(encoding="utf-8") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in load_catalog() if m.id}
    assert sorted(wanted - have) == [], "run `make extract-messages` and translate the new entries"
