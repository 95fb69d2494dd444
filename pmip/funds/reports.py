"""Exports of the 季度收支报表 (quarterly income and expense report): XLSX (openpyxl) and PDF (reportlab).

Both take an already authorised `ReportData` (from `selectors.report_data`) and return bytes. Layout, in both:
title row, project code and "单位：元", then three tables — 一、应收账款; 二、维修资金收支 (computed from the
ledger: opening balance, income by kind, expense by kind, closing balance); 三、业务收支明细 (income lines, expense
lines, totals and the difference). Every table ends with a totals row.

XLSX: amounts are numbers (format #,##0.00) so they add up in Excel; ID-like values (project code, voucher numbers)
are text cells (format "@") so leading zeros and long digit strings survive. Every cell goes through
pmip.core.exports: text from users (report lines) is text, never a formula.
PDF: Chinese text needs a CJK font. `settings.PMIP_PDF_FONT` may name a TrueType (.ttf) file; otherwise the built-in
Adobe CID font STSong-Light is used (no file needed; readers supply the glyphs). The Noto CJK fonts shipped as .ttc
have PostScript outlines, which reportlab cannot embed.
"""

from __future__ import annotations

import io
from decimal import Decimal
from html import escape  # reportlab Paragraphs parse markup: user text is escaped

from pmip.core import clock, exports
from pmip.core.conf import pmip_settings
from pmip.funds.choices import ReportSection
from pmip.funds.selectors import ReportData

MONEY_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"

FUND_INCOME = (
    ("first_deposit", "首期缴存"),
    ("monthly", "日常缴存"),
    ("interest", "利息收益"),
    ("transfer_in", "划转转入"),
)
FUND_EXPENSE = (("repair_charge", "维修支出"), ("refund", "退款"), ("transfer_out", "划转转出"))


def report_title(data: ReportData) -> str:
    title = f"{data.project.name}{data.report.year}年第{data.report.quarter}季度收支报表"
    if data.report.version > 1:
        title += f"（第{data.report.version}版，更正版）"
    return title


def filename(data: ReportData, ext: str) -> str:
    version = f"-v{data.report.version}" if data.report.version > 1 else ""
    return f"{data.project.code}-{data.report.year}Q{data.report.quarter}{version}.{ext}"


def _rows(data: ReportData) -> list[tuple[str, list]]:
    """The report as (style, cells) rows shared by both formats. style: section | header | line | total | blank.
    Amount cells are Decimals; other cells are strings."""
    rows: list[tuple[str, list]] = []
    head = ["序号", "项目", "对方单位", "凭证号", "金额", "备注"]

    def lines(section: str) -> None:
        for i, line in enumerate(data.lines[section], start=1):
            rows.append(
                ("line", [str(i), line.item, line.counterparty, line.voucher_no, line.amount, line.note])
            )

    rows.append(("section", ["一、应收账款"]))
    rows.append(("header", head))
    lines(ReportSection.RECEIVABLE)
    rows.append(("total", ["", "应收账款合计", "", "", data.totals[ReportSection.RECEIVABLE], ""]))
    rows.append(("blank", []))

    fund = data.fund
    rows.append(
        ("section", [f"二、维修资金收支（{fund.start:%Y-%m-%d} 至 {fund.end:%Y-%m-%d}，据维修资金分户账）"])
    )
    rows.append(("header", ["序号", "项目", "", "", "金额", "说明"]))
    rows.append(("line", ["", "期初余额", "", "", fund.opening, ""]))
    n = 0
    for key, label in FUND_INCOME:
        n += 1
        rows.append(("line", [str(n), label, "", "", fund.income[key], "收入"]))
    rows.append(("total", ["", "收入合计", "", "", fund.income_total, ""]))
    for key, label in FUND_EXPENSE:
        n += 1
        rows.append(("line", [str(n), label, "", "", fund.expense[key], "支出"]))
    rows.append(("total", ["", "支出合计", "", "", fund.expense_total, ""]))
    rows.append(("total", ["", "期末余额", "", "", fund.closing, ""]))
    rows.append(("blank", []))

    rows.append(("section", ["三、业务收支明细"]))
    rows.append(("header", head))
    rows.append(("line", ["", "（一）业务收入", "", "", "", ""]))
    lines(ReportSection.BUSINESS_INCOME)
    rows.append(("total", ["", "业务收入合计", "", "", data.totals[ReportSection.BUSINESS_INCOME], ""]))
    rows.append(("line", ["", "（二）业务支出", "", "", "", ""]))
    lines(ReportSection.BUSINESS_EXPENSE)
    rows.append(("total", ["", "业务支出合计", "", "", data.totals[ReportSection.BUSINESS_EXPENSE], ""]))
    rows.append(("total", ["", "收支差额（收入－支出）", "", "", data.business_net, ""]))
    return rows


def _status_text(data: ReportData) -> str:
    report = data.report
    if report.published_at:
        return f"已公布（{clock.local(report.published_at):%Y-%m-%d}）"
    return "填报中（未公布）"


# --------------------------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------------------------


def quarterly_report_xlsx(data: ReportData) -> bytes:
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = exports.new_workbook()
    ws = wb.active
    ws.title = f"{data.report.year}Q{data.report.quarter}"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    exports.append_row(ws, [report_title(data)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    exports.append_row(ws, ["物业项目编号", data.project.code, "", "", "单位：元", _status_text(data)])
    ws["B2"].number_format = TEXT_FORMAT
    exports.append_row(ws, [])
    for style, cells in _rows(data):
        if style == "blank":
            exports.append_row(ws, [])
            continue
        r = exports.append_row(ws, [c if isinstance(c, Decimal) else (c or None) for c in cells])
        if style == "section":
            ws.cell(row=r, column=1).font = Font(bold=True)
            continue
        for col in range(1, 7):
            cell = ws.cell(row=r, column=col)
            cell.border = border
            if style in ("header", "total"):
                cell.font = Font(bold=True)
        ws.cell(row=r, column=4).number_format = TEXT_FORMAT
        amount = ws.cell(row=r, column=5)
        if isinstance(amount.value, Decimal):
            amount.number_format = MONEY_FORMAT
    exports.append_row(ws, [])
    exports.append_row(ws, [f"导出时间：{clock.local(clock.now()):%Y-%m-%d %H:%M}"])
    for letter, width in zip("ABCDEF", (8, 30, 24, 18, 16, 24), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------------------

_FONT_NAME: str | None = None


def pdf_font() -> str:
    """Register (once) and return the CJK font name for reportlab."""
    global _FONT_NAME
    if _FONT_NAME:
        return _FONT_NAME
    from reportlab.pdfbase import pdfmetrics

    path = pmip_settings().pdf_font
    if path:
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("PMIPCJK", str(path)))
        _FONT_NAME = "PMIPCJK"
    else:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        _FONT_NAME = "STSong-Light"
    return _FONT_NAME


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def quarterly_report_pdf(data: ReportData) -> bytes:
    # Kept whole: one PDF drawn top to bottom; the nested flush() shares the table being built.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1)
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    section_style = ParagraphStyle("section", fontName=font, fontSize=11, leading=15, spaceBefore=6)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=report_title(data),
        author="深圳市物业管理信息平台",
    )
    story: list = [
        Paragraph(escape(report_title(data)), title_style),
        Spacer(1, 4 * mm),
        Paragraph(f"物业项目编号：{data.project.code}　　单位：元　　{_status_text(data)}", text),
        Spacer(1, 2 * mm),
    ]
    table_rows: list[list] = []
    styles: list[tuple] = []

    def flush() -> None:
        if not table_rows:
            return
        table = Table(
            table_rows, colWidths=[12 * mm, 50 * mm, 35 * mm, 28 * mm, 28 * mm, 27 * mm], repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("ALIGN", (4, 0), (4, -1), "RIGHT"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    *styles,
                ]
            )
        )
        story.append(table)
        table_rows.clear()
        styles.clear()

    for style, cells in _rows(data):
        if style == "section":
            flush()
            story.append(Paragraph(cells[0], section_style))
            story.append(Spacer(1, 1 * mm))
        elif style == "blank":
            flush()
        else:
            row = [
                _money(c) if isinstance(c, Decimal) else Paragraph(escape(str(c or "")), text) for c in cells
            ]
            if style == "total":
                styles.append(
                    ("BACKGROUND", (0, len(table_rows)), (-1, len(table_rows)), colors.HexColor("#f6f6f6"))
                )
            table_rows.append(row)
    flush()
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(f"导出时间：{clock.local(clock.now()):%Y-%m-%d %H:%M}", text))
    doc.build(story)
    return out.getvalue()
