"""Rebuild the shipped bold CJK subset from Noto Sans CJK SC Bold (build tool, not used at run time).

Usage (from the repository root, with Debian's fonts-noto-cjk 1:20220127 or its extracted .deb):

    .venv/bin/python app/reporting/fonts/build_bold_subset.py \
        /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc app/reporting/fonts/noto-sans-sc-bold-subset.otf

The subset carries the characters of the regular subset (wqy-microhei-subset.ttf) that the bold
source has, so a heading can hold any name the body text can.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
REGULAR = HERE / "wqy-microhei-subset.ttf"
FAMILY = "Dudao Noto Sans SC Bold"
POSTSCRIPT_NAME = "DudaoNotoSansSC-Bold"
#: Faces of NotoSansCJK-Bold.ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK; SC has the mainland glyph forms.
FACE_INDEX = 2


def build(source: Path, dest: Path) -> TTFont:
    """Subset the SC face to the regular subset's characters, rename it, and save it (CFF)."""
    wanted = set(TTFont(str(REGULAR)).getBestCmap())
    options = subset.Options()
    options.font_number = FACE_INDEX
    options.hinting = False
    # Vertical metrics and layout features serve vertical and Japanese/Korean typesetting, which a
    # horizontal Chinese report never uses; dropping them keeps the file small.
    options.layout_features = []
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "vhea", "vmtx", "VORG", "BASE"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.desubroutinize = False
    font = TTFont(str(source), fontNumber=FACE_INDEX, recalcTimestamp=False)
    available = set(font.getBestCmap())
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted & available))
    subsetter.subset(font)
    _rename(font)
    font.save(str(dest))
    return font


def _rename(font: TTFont) -> None:
    """A distinct family name (OFL 1.1 section 3: a modified version must not use the Reserved
    Font Name "Source"), with a notice that the file was subset."""
    name = font["name"]
    notice = ("Subset of Noto Sans CJK SC Bold (2.004) made with fontTools for the Dudao project; "
              "glyph outlines unchanged. Licensed under the SIL Open Font License 1.1.")
    for record in list(name.names):
        if record.nameID in (1, 4, 16):
            name.setName(FAMILY if record.nameID != 16 else "Dudao Noto Sans SC", record.nameID,
                         record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            name.setName(f"{FAMILY}; subset", 3, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            name.setName(POSTSCRIPT_NAME, 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 10:
            name.setName(notice, 10, record.platformID, record.platEncID, record.langID)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [POSTSCRIPT_NAME]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = FAMILY, "Dudao Noto Sans SC"


def main(argv: list[str]) -> int:
    """Command line: build_bold_subset.py SOURCE.ttc DEST.otf."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, dest = Path(argv[0]), Path(argv[1])
    font = build(source, dest)
    cmap = font.getBestCmap()
    print(f"{dest}: {dest.stat().st_size:,} bytes, {len(cmap):,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
