"""The handover list (移交清单) as a printable PDF (reportlab, BSD), its Chinese
text in an embedded CJK font so that it prints and extracts anywhere."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

# Debian's fonts-wqy-zenhei (GPL with the font embedding exception)
EMBEDDED_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT = "WenQuanYiZenHei"
FALLBACK_FONT = "STSong-Light"  # a CID font the reader supplies: prints, extracts less well

STATES = {"open": "未提交 open", "submitted": "待接收 submitted", "accepted": "交接完成 accepted",
          "returned": "退回 returned"}


def _font() -> str:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    if EMBEDDED_FONT.is_file():
        pdfmetrics.registerFont(TTFont(FONT, str(EMBEDDED_FONT), subfontIndex=0))
        return FONT
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else "—"


def render(handover: dict[str, Any]) -> bytes:
    """The PDF of ``handover`` as shared.handovers.handover_out gives it (the
    items the reader may see, and only those)."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=24, alignment=1)
    heading = ParagraphStyle("heading", parent=body, fontSize=11, leading=16, spaceBefore=8)

    def cell(text: Any) -> Paragraph:
        return Paragraph(escape("" if text is None else str(text)), body)

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            title=f"移交清单 {handover['reference']}")
    facts = [("编号 Reference", handover["reference"]), ("说明 Description", handover["description"]),
             ("部门 Department", handover["department"] or "—"),
             ("状态 Status", STATES.get(handover["status"], handover["status"])),
             ("移交人 Handed over by", handover["handed_by"]),
             ("移交时间 Submitted", _when(handover["submitted_at"])),
             ("接收人 Received by", handover["received_by"] or "—"),
             ("接收时间 Decided", _when(handover["decided_at"]))]
    if handover["return_reason"]:
        facts.append(("退回原因 Reason returned", handover["return_reason"]))
    story: list[Any] = [Paragraph("移交清单", title), Paragraph("Handover list", body), Spacer(1, 6 * mm),
                        _table([[cell(k), cell(v)] for k, v in facts], [45 * mm, 135 * mm], font)]
    story.append(Paragraph(f"移交档案 Records ({len(handover['items'])})", heading))
    rows = [[cell(h) for h in ("序号 No.", "档号 Archive number", "题名 Title", "页数 Pages",
                                 "SHA-256")]]
    rows += [[cell(n), cell(i["archive_number"]), cell(i["title"]), cell(i["pages"] or "—"),
              Paragraph(i["sha256"] or "—", ParagraphStyle("hash", parent=body, fontSize=6, leading=8))]
             for n, i in enumerate(handover["items"], 1)]
    story.append(_table(rows, [12 * mm, 45 * mm, 60 * mm, 14 * mm, 49 * mm], font, header=True))
    if handover["refused"]:
        story.append(Paragraph(f"未接收文件 Refused files ({len(handover['refused'])})", heading))
        refused = [[cell(h) for h in ("文件 File", "原因 Reason", "代码 Code")]]
        refused += [[cell(r["filename"]), cell(r["message"]), cell(r["code"])]
                    for r in handover["refused"]]
        story.append(_table(refused, [55 * mm, 90 * mm, 35 * mm], font, header=True))
    story += [Spacer(1, 14 * mm), _table(
        [[cell("移交人签字 Handed over by (signature): ____________"),
          cell("接收人签字 Received by (signature): ____________")],
         [cell("日期 Date: ____________"), cell("日期 Date: ____________")]],
        [90 * mm, 90 * mm], font, grid=False)]
    doc.build(story)
    return out.getvalue()


def _table(rows: list[list[Any]], widths: list[float], font: str, *, header: bool = False,
           grid: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style: list[tuple[Any, ...]] = [("FONTNAME", (0, 0), (-1, -1), font),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if grid:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.grey))
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
    table.setStyle(TableStyle(style))
    return table
