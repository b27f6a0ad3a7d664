"""The completeness report (齐全率) as files: CSV and an XLSX workbook, the same
from ``GET /api/v1/completeness?format=`` and ``dangan completeness --format``."""
from __future__ import annotations

import csv
import io
from typing import Any

CUSTOMER_COLUMNS = ["customer", "name", "kind", "grade", "department", "status", "complete",
                    "missing", "reinvestigate"]
RATE_COLUMNS = ["measure", "key", "customers", "complete", "rate"]


def customer_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[c["customer"], c["name"], c["kind"], c["grade"], c["department"] or "", c["status"],
             c["complete"], " ".join(f"{m['type']}({m['present']}/{m['required']})"
                                     for m in c["missing"]), c["reinvestigate"]]
            for c in report["customers"]]


def rate_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[measure, key, r["customers"], r["complete"], r["rate"]]
            for measure, groups in report["rates"].items() for key, r in groups.items()]


def to_csv(report: dict[str, Any]) -> bytes:
    """One table: a row per customer, then a blank line and the rates."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CUSTOMER_COLUMNS)
    writer.writerows(customer_rows(report))
    writer.writerow([])
    writer.writerow(RATE_COLUMNS)
    writer.writerows(rate_rows(report))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read Chinese


def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # only exports need it: kept out of every import

    book = Workbook()
    book.remove(book.active)
    for name, columns, rows in (("customers", CUSTOMER_COLUMNS, customer_rows(report)),
                                ("rates", RATE_COLUMNS, rate_rows(report))):
        sheet = book.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
