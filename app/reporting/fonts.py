"""The CJK font the project ships, and wiring it into matplotlib (no system font needed)."""
from __future__ import annotations

import threading
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = "wqy-microhei-subset.ttf"
#: The family name written into the subset; distinct from an installed full WenQuanYi font.
FONT_FAMILY = "Dudao WenQuanYi Micro Hei"
# DejaVu Sans ships inside matplotlib, so it is always there to draw any symbol our subset lacks.
_FALLBACK_FAMILY = "DejaVu Sans"

_lock = threading.Lock()
_configured = False


def font_path() -> Path:
    """Path of the shipped TrueType subset; raises FileNotFoundError if the file is missing."""
    path = FONT_DIR / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"shipped CJK font not found at {path}; "
                                f"see {FONT_DIR / 'README.md'}")
    return path


def mono_font_path() -> Path:
    """DejaVu Sans Mono as bundled inside matplotlib (a dependency), for links typed by hand.

    Its 0/O, 1/l/I are distinct, which matters for a URL token copied off a poster, and it is
    embedded like the CJK font, so nothing depends on the reader's system fonts.
    """
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSansMono.ttf"


def configure_matplotlib() -> str:
    """Register the shipped font with matplotlib, make it the default, select Agg; idempotent."""
    global _configured
    # The lock makes the first call safe when several request threads draw charts at once.
    with _lock:
        if _configured:
            return FONT_FAMILY
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(font_path()))
        rc = matplotlib.rcParams
        rc["font.family"] = "sans-serif"
        ours = (FONT_FAMILY, _FALLBACK_FAMILY)
        sans = [name for name in rc["font.sans-serif"] if name not in ours]
        # matplotlib falls back glyph by glyph along this list, so Latin and CJK both resolve.
        rc["font.sans-serif"] = [FONT_FAMILY, _FALLBACK_FAMILY, *sans]
        # The subset carries U+2212, so the proper minus sign can stay on.
        rc["axes.unicode_minus"] = True
        # Keep text as text in SVG/PDF exports from matplotlib: embed our font, never paths of a
        # font the reader may not have.
        rc["pdf.fonttype"] = 42
        rc["svg.fonttype"] = "path"
        _configured = True
        return FONT_FAMILY


#: The bold CJK weight (Noto Sans CJK SC Bold subset, OFL) for report headings.
BOLD_FONT_FILE = "noto-sans-sc-bold-subset.otf"
BOLD_FONT_FAMILY = "Dudao Noto Sans SC Bold"


def bold_font_path() -> Path:
    """Path of the shipped bold CJK subset; raises FileNotFoundError if the file is missing."""
    path = FONT_DIR / BOLD_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"shipped bold CJK font not found at {path}; "
                                f"see {FONT_DIR / 'README.md'}")
    return path
