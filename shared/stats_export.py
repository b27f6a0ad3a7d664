"""The statistics (档案统计) as files: CSV and an XLSX workbook, the same
from ``GET /api/v1/stats?format=`` and ``dangan stats --csv/--xlsx``."""
from __future__ import annotations

import csv
import io
from typing import Any

from shared.stats import rows


def to_csv(stats: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "measure", "key", "count"])
    writer.writerows(rows(stats))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read Chinese


def to_xlsx(stats: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # only exports need it: kept out of every import

    book = Workbook()
    book.remove(book.active)
    for section, measures in stats.items():
        sheet = book.create_sheet(section[:31])  # Excel's longest sheet name
        sheet.append(["measure", "key", "count"])
        for measure, counts in measures.items():
            for key, count in counts.items():
                sheet.append([measure, key, count])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
