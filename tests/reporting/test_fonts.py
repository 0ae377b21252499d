"""The shipped CJK font: format, size, coverage, and registration with matplotlib."""
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from app.reporting import fonts
from support import require_file

SOURCE_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SCHOOL_NAMES = [
    "城关镇第一小学", "河西乡中心小学", "柳树湾村小学", "县实验中学", "第二十七中学",
    "喆堃希望小学", "犇牛镇九年一贯制学校", "濮阳市油田第三高级中学", "亳州市谯城区涡北中学",
    "鄞州区东钱湖镇中心小学", "珺琰幼儿园", "昇平街道璟园小学", "祎赟实验学校",
]
SURVEY_TITLES = [
    "学生睡眠情况调查（家长卷）", "“双减”政策落实情况满意度调查", "课后服务满意度问卷（学生卷）",
    "作业时长调查：小学三至六年级", "教师工作负担调查", "手机管理、读物管理与体质健康专项调查",
    "本问卷匿名填写，不收集姓名、电话等任何个人信息。", "填写截止：2026年12月20日",
    "睡眠达标率（小学每天≥10小时）", "A/B卷①②③ — 95%置信区间 ±3.2",
]


def _gb2312(rows: range) -> set[str]:
    """GB 2312 characters in the given row range (rows 16-55 are level 1, 56-87 level 2)."""
    found = set()
    for row in rows:
        for cell in range(1, 95):
            try:
                found.add(bytes((row + 0xA0, cell + 0xA0)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


@pytest.fixture(scope="module")
def cmap():
    """The shipped font's character map."""
    return TTFont(fonts.font_path()).getBestCmap()


def test_font_is_truetype_outlines_under_two_megabytes():
    font = TTFont(fonts.font_path())
    assert "glyf" in font and "CFF " not in font
    assert fonts.font_path().stat().st_size < 2 * 1024 * 1024


def test_font_has_its_own_family_name():
    name = TTFont(fonts.font_path())["name"]
    assert name.getDebugName(1) == fonts.FONT_FAMILY


def test_font_covers_all_gb2312_level_one_characters(cmap):
    level_one = _gb2312(range(16, 56))
    assert len(level_one) == 3755
    missing = sorted(ch for ch in level_one if ord(ch) not in cmap)
    assert not missing


def test_font_covers_all_of_gb2312(cmap):
    everything = _gb2312(range(1, 88))
    assert len(everything) > 7400
    assert not sorted(ch for ch in everything if ord(ch) not in cmap)


@pytest.mark.parametrize("text", SCHOOL_NAMES + SURVEY_TITLES)
def test_font_covers_school_names_and_titles(cmap, text):
    assert [ch for ch in text if ord(ch) not in cmap] == []


def test_font_covers_ascii_latin1_and_fullwidth_forms(cmap):
    wanted = [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0xFF01, 0xFF5F),
              *range(0x3000, 0x3004), 0x2212]
    assert [hex(cp) for cp in wanted if cp not in cmap] == []


def test_configure_matplotlib_is_idempotent_and_selects_the_shipped_font():
    import matplotlib
    from matplotlib import font_manager

    assert fonts.configure_matplotlib() == fonts.FONT_FAMILY
    assert fonts.configure_matplotlib() == fonts.FONT_FAMILY
    assert matplotlib.get_backend().lower() == "agg"
    assert matplotlib.rcParams["font.sans-serif"][0] == fonts.FONT_FAMILY
    assert matplotlib.rcParams["font.sans-serif"].count(fonts.FONT_FAMILY) == 1
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                  fallback_to_default=False)
    assert Path(found).resolve() == fonts.font_path().resolve()


@require_file(SOURCE_FONT, package="fonts-wqy-microhei")
def test_readme_command_rebuilds_the_shipped_font_byte_for_byte(tmp_path):
    sys.path.insert(0, str(fonts.FONT_DIR))
    try:
        import build_subset
    finally:
        sys.path.remove(str(fonts.FONT_DIR))
    built = tmp_path / "rebuilt.ttf"
    build_subset.build(SOURCE_FONT, built)
    assert built.read_bytes() == fonts.font_path().read_bytes()
