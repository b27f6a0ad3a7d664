"""Who may approve what (SPEC §3, §4): the approver's role must cover the most
sensitive secrecy level in scope — 3: department manager, 2: division leader,
1: general manager; a higher office covers the levels below. Admin approves nothing."""
from __future__ import annotations

from shared.domain.model import Role

# the most sensitive level (lowest number) each approving role covers
COVERS_DOWN_TO: dict[str, int] = {
    Role.DEPARTMENT_MANAGER.value: 3,
    Role.DIVISION_LEADER.value: 2,
    Role.GENERAL_MANAGER.value: 1,
}


def may_approve(role: str, most_sensitive_level: int) -> bool:
    covered = COVERS_DOWN_TO.get(role)
    return covered is not None and covered <= most_sensitive_level


def approver_for(level: int) -> str:
    """The least senior role that may approve a scope whose most sensitive level is ``level``."""
    return next(role for role, covered in sorted(COVERS_DOWN_TO.items(), key=lambda kv: -kv[1])
                if covered <= level)
