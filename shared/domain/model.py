"""Vocabulary of the archive: roles, customer kinds and grades, document
types, statuses and secrecy levels (SPEC §1, §2). Plain values, no IO."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 录入员
    STAFF = "staff"  # 查阅人
    ARCHIVIST = "archivist"  # 档案管理员
    DEPARTMENT_MANAGER = "department_manager"  # 部门经理
    DIVISION_LEADER = "division_leader"  # 分管领导
    GENERAL_MANAGER = "general_manager"  # 总经理
    AUDITOR = "auditor"  # 审计
    ADMIN = "admin"


class CustomerKind(StrEnum):
    COMPANY = "company"  # 企业
    INDIVIDUAL = "individual"  # 个人
    GOVERNMENT = "government"  # 政府机构
    PARTNER = "partner"  # 合作伙伴


class CustomerGrade(StrEnum):
    A = "A"  # 重要
    B = "B"  # 一般
    C = "C"  # 零散


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class DocumentStatus(StrEnum):
    ARCHIVED = "archived"
    DUE = "due"  # 到期待鉴定
    DESTROYED = "destroyed"


class ExtractionState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


# type -> code used in the archive number (SPEC §2)
DOCUMENT_TYPE_CODES: dict[str, str] = {
    "contract": "HT",  # 合同
    "business_licence": "YZ",  # 营业执照
    "id_copy": "SF",  # 身份证复印件
    "credit_report": "ZX",  # 资信调查报告
    "correspondence": "WL",  # 往来函件
    "other": "QT",  # 其他
}

SECRECY_LEVELS = (1, 2, 3)  # 1 一级 (most sensitive) … 3 三级 (ordinary)
