"""Rebuild the shipped CJK font subset from WenQuanYi Micro Hei (build tool, not used at run time).

Usage (from the repository root, with Debian's fonts-wqy-microhei installed):

    .venv/bin/python app/reporting/fonts/build_subset.py \
        /usr/share/fonts/truetype/wqy/wqy-microhei.ttc app/reporting/fonts/wqy-microhei-subset.ttf
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
#: The 8,105 characters of the 2013 Table of General Standard Chinese Characters (通用规范汉字表).
TGH_FILE = HERE / "tgh-8105.txt"
FAMILY = "Dudao WenQuanYi Micro Hei"
POSTSCRIPT_NAME = "DudaoWenQuanYiMicroHei"
#: Face 0 of the collection is the proportional "Micro Hei"; face 1 is the monospaced variant.
FACE_INDEX = 0

# Non-hanzi blocks a report or poster may need even when GB2312 lacks them
# (typographic quotes and dashes, the minus sign matplotlib draws on axes, ℃, circled digits...).
EXTRA_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ Ⅲ)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (− ≤ ≥ ±)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ②)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ● ○ ▲)
    (0x2600, 0x26FF),  # miscellaneous symbols (★ ☆ ✓ lives next door)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0xFFFD, 0xFFFD),  # replacement character
]


def gb2312_codepoints() -> set[int]:
    """Every character of GB 2312 (6,763 hanzi plus 682 symbols), read off Python's codec."""
    found = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def tgh_codepoints() -> set[int]:
    """The 通用规范汉字表 characters listed in tgh-8105.txt (covers rarer name and place characters)."""
    text = TGH_FILE.read_text(encoding="utf-8")
    return {ord(ch) for ch in text if not ch.isspace()}


def wanted_codepoints() -> set[int]:
    """All code points the subset should carry, before checking what the source font has."""
    ranges = {cp for low, high in EXTRA_RANGES for cp in range(low, high + 1)}
    return ranges | gb2312_codepoints() | tgh_codepoints()


def build(source: Path, dest: Path) -> TTFont:
    """Subset the source face to the wanted characters, rename it, and save it as TrueType."""
    options = subset.Options()
    options.font_number = FACE_INDEX
    # Hinting mostly serves the Latin glyphs at screen sizes; fpdf2 ignores it and matplotlib
    # autohints, so dropping it saves space with no visible loss.
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "vhea", "vmtx", "FFTM"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    # A fixed head.modified keeps rebuilds byte-identical, so git sees no change when nothing did.
    font = TTFont(str(source), fontNumber=FACE_INDEX, recalcTimestamp=False)
    available = set(font.getBestCmap())
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted_codepoints() & available))
    subsetter.subset(font)
    rename(font)
    dest.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(dest))
    return font


def rename(font: TTFont) -> None:
    """Give the subset its own family name so it never shadows an installed full WenQuanYi font."""
    name = font["name"]
    # Apache-2.0 section 4(b): a modified file carries a notice saying it was changed.
    notice = ("Subset of WenQuanYi Micro Hei 0.2.0-beta made with fontTools for the Dudao project; "
              "glyph outlines unchanged.")
    for record in list(name.names):
        if record.nameID in (1, 4, 16, 18):
            name.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            name.setName(f"{FAMILY}; subset", 3, record.platformID, record.platEncID,
                         record.langID)
        elif record.nameID == 6:
            name.setName(POSTSCRIPT_NAME, 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 10:
            name.setName(notice, 10, record.platformID, record.platEncID, record.langID)


def main(argv: list[str]) -> int:
    """Command line: build_subset.py SOURCE.ttc DEST.ttf."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, dest = Path(argv[0]), Path(argv[1])
    font = build(source, dest)
    cmap = font.getBestCmap()
    hanzi = sum(1 for cp in cmap if 0x3400 <= cp <= 0x9FFF)
    print(f"{dest}: {dest.stat().st_size:,} bytes, {len(cmap):,} characters, {hanzi:,} hanzi")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
