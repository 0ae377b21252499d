"""The workbook behind the annual report (openpyxl): real numbers with number formats.

Proportions are fractions with a 0.0% format, indices and means numbers with 0.0; a suppressed
figure is an empty cell with a note, never the number. Headers are frozen and repeated when
printed, columns have widths, and every sheet prints fit to the page width.
"""
from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..csvsafe import safe_cell
from .csv import verdict_text
from .data import is_proportion, layout

PERCENT, DECIMAL = "0.0%", "0.0"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E6EDF5")
_FIGURE_FIELDS = ("value", "ci_low", "ci_high", "target", "previous")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(text: str, used: set) -> str:
    """A valid, unique sheet name (31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", text)[:31] or "Sheet"
    title, n = base, 2
    while title in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def _finish(ws, widths: list[int], header_row: int = 1) -> None:
    """Header style, frozen header, column widths, print titles, fit to width."""
    for cell in ws[header_row]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_setup.orientation = "landscape"


def _method_sheet(wb, model: dict) -> None:
    """What the workbook holds, how figures are computed, and the suppression rule."""
    ws = wb.active
    ws.title = "说明"
    rows = [
        ("项目", "内容"),
        ("范围", model["scope_name"]),
        ("年度", model["year"]),
        ("调查对象", model["audience_label"]),
        ("有效问卷", model["n"]),
        ("数据截至", model["data_as_of"].isoformat()),
        ("达标率", "符合标准的填写人所占比例（按学生本人年级对应标准），以小数存储、百分比格式显示；95%置信区间为威尔逊区间。"),
        ("指数与平均值", "满意度指数（0～100）和平均作业时间（分钟），95%置信区间为t区间。"),
        ("与上年比较", "“差异显著”指两年之差在5%显著性水平下显著。"),
        ("小样本保护", f"有效样本少于{model['min_group_size']}份的数值、区间一律不公布，单元格留空并注明；"
                  "为防推算，必要时同时隐藏相关数值。开放题文字不导出。"),
    ]
    for survey in model["surveys"]:
        rows.append(("问卷", f"{survey['title']}：{survey['launches']}次，{survey['schools']}所学校，{survey['period']}"))
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    _finish(ws, [16, 90])


def _summary_sheet(wb, model: dict, used: set) -> None:
    """The scope's own indicators with the comparison columns of the report."""
    ws = wb.create_sheet(_sheet_title("指标汇总", used))
    header = ["指标代码", "指标", "有效样本数", "数值", "95%区间下限", "95%区间上限", "目标", "判定",
              "上年数值", "与上年比较", "备注"]
    ws.append(header)
    for fig in model["indicators"]:
        change = fig.get("change") or {}
        row = [fig["key"], fig["name"], fig["n"], fig["value"], fig["ci_low"], fig["ci_high"], fig["target"],
               verdict_text(fig), change.get("previous"), change.get("words", ""),
               model["suppressed_note"] if fig["suppressed"] else ""]
        ws.append([safe_cell(v) for v in row])
        _number_formats(ws, ws.max_row, fig["proportion"], (4, 5, 6, 7, 9))
    _finish(ws, [26, 30, 11, 11, 13, 13, 10, 10, 11, 30, 30])


def _number_formats(ws, row: int, proportion: bool, columns) -> None:
    """0.0% for proportions, 0.0 for indices and means, on the given columns of a row."""
    for column in columns:
        ws.cell(row=row, column=column).number_format = PERCENT if proportion else DECIMAL


def _indicator_sheets(wb, model: dict, used: set, progress) -> None:
    """One sheet per indicator, a row per school in scope."""
    columns = layout()["workbook"]["indicator_columns"]
    fields = [field for _h, field, _w in columns]
    figure_columns = [i + 1 for i, f in enumerate(fields) if f in _FIGURE_FIELDS]
    keys = [f["key"] for f in model["indicators"]]
    for index, key in enumerate(keys):
        progress(0.55 + 0.35 * index / max(1, len(keys)), "写入指标表")
        name = next(f["name"] for f in model["indicators"] if f["key"] == key)
        ws = wb.create_sheet(_sheet_title(name, used))
        ws.append([h for h, _f, _w in columns] + ["备注"])
        proportion = is_proportion(key)
        for school in model["schools"]:
            fig = school["indicators"].get(key)
            if fig is None:
                continue
            values = {"zone": school["zone_name"], "code": school["code"], "name": school["name"], "n": fig["n"],
                      "value": fig["value"], "ci_low": fig["ci_low"], "ci_high": fig["ci_high"],
                      "target": fig["target"], "verdict": verdict_text(fig), "previous": fig.get("previous")}
            note = model["suppressed_note"] if fig["suppressed"] else ""
            ws.append([safe_cell(values[f]) for f in fields] + [note])
            _number_formats(ws, ws.max_row, proportion, figure_columns)
        _finish(ws, [w for _h, _f, w in columns] + [30])


def _distribution_sheets(wb, model: dict, used: set) -> None:
    """A sheet per topic: each launch's questions and options with count and share; a question
    below the group size is one row with "—" and a note, never its counts."""
    labels = {t["key"]: t["label"] for t in layout()["topics"]}
    order = [t["key"] for t in layout()["topics"]] + ["other"]
    distributions = model.get("distributions", {})
    if "too_many" in distributions:
        ws = wb.create_sheet(_sheet_title("答题分布", used))
        ws.append(["说明"])
        ws.append([f"本范围内共有{distributions['too_many']}次调查，各次调查的答题分布请见各责任区的年度分析数据。"])
        _finish(ws, [90])
        return
    for topic in sorted(distributions, key=order.index):
        label = labels.get(topic, layout()["other_topic_label"])
        ws = wb.create_sheet(_sheet_title(f"分布-{label}", used))
        ws.append(["责任区", "学校代码", "学校", "问卷", "题目", "选项", "人数", "占比", "有效回答", "备注"])
        for launch in model["distributions"][topic]:
            where = [launch["zone"], launch["code"], launch["school"], launch["survey"]]
            for question in launch["questions"]:
                if question["suppressed"]:
                    ws.append([safe_cell(v) for v in where + [question["label"], "—", None, None, question["n"],
                                                                 model["suppressed_note"]]])
                elif question["type"] == "text":
                    ws.append([safe_cell(v) for v in where + [question["label"], "（文字意见，只计人数）", None, None,
                                                                 question["n"], ""]])
                elif question["options"]:
                    for option in question["options"]:
                        share = option["percent"] / 100 if option["percent"] is not None else None
                        ws.append([safe_cell(v) for v in where + [question["label"], option["label"], option["count"],
                                                                     share, question["n"], ""]])
                        ws.cell(row=ws.max_row, column=8).number_format = PERCENT
                else:
                    ws.append([safe_cell(v) for v in where + [question["label"], "平均", None, None, question["n"],
                                                                 f"平均{question['mean']}" if question["mean"] else ""]])
        _finish(ws, [12, 10, 20, 24, 40, 24, 8, 9, 10, 28])


def _rectification_sheet(wb, model: dict, used: set) -> None:
    """Problems raised, closed, open and escalated in the year, by category."""
    ws = wb.create_sheet(_sheet_title("督导整改", used))
    ws.append(["问题类别", "年内发现", "年内销号", "年底未销号", "上报督导室"])
    labels = layout()["problem_categories"]
    for category, label in labels.items():
        counts = model["rectification"]["by_category"].get(category)
        if counts:
            ws.append([label, counts["raised"], counts["closed"], counts["open"], counts["escalated"]])
    totals = model["rectification"]["totals"]
    ws.append(["合计", totals["raised"], totals["closed"], totals["open"], totals["escalated"]])
    _finish(ws, [16, 11, 11, 12, 12])
    _complaints_sheet(wb, model, used)


def _complaints_sheet(wb, model: dict, used: set) -> None:
    """Anonymous reports from the plaque: counts by kind, category and outcome (no texts)."""
    complaints = model["complaints"]
    ws = wb.create_sheet(_sheet_title("群众反映", used))
    ws.append(["分类", "项目", "件数"])
    for group, rows in (("类型", complaints["by_kind"]), ("涉及方面", complaints["by_category"]),
                        ("核实结果", complaints["by_outcome"])):
        for label, n in rows:
            ws.append([group, label, n])
    ws.append(["合计", "收到", complaints["total"]])
    ws.append(["合计", "转为整改问题", complaints["problems_raised"]])
    _finish(ws, [12, 20, 10])


def _responses_sheet(wb, model: dict, used: set) -> None:
    """Responses per school, enrolment and response rate where enrolment is known."""
    ws = wb.create_sheet(_sheet_title("各校样本", used))
    ws.append(["责任区", "学校代码", "学校", "有效问卷", "在校生数", "应答率"])
    for school in model["schools"]:
        ws.append([safe_cell(v) for v in (school["zone_name"], school["code"], school["name"], school["n"],
                                          school["enrolment"], school["rate"])])
        ws.cell(row=ws.max_row, column=6).number_format = PERCENT
    _finish(ws, [14, 12, 24, 10, 10, 10])


def annual_workbook(model: dict, progress) -> bytes:
    """The workbook as XLSX bytes."""
    wb = Workbook()
    used = {"说明"}
    _method_sheet(wb, model)
    _summary_sheet(wb, model, used)
    _indicator_sheets(wb, model, used, progress)
    _distribution_sheets(wb, model, used)
    _rectification_sheet(wb, model, used)
    _responses_sheet(wb, model, used)
    # The data timestamp, not the clock, so the same data gives the same document properties.
    created = model["data_as_of"].replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = created
    wb.properties.title = f"{model['scope_name']}{model['year']}年度分析数据"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
