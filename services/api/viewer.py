"""The caller's AccessScope, for routes that show or act on documents: the one
visibility rule (shared.domain.access) with the caller's grants of today."""
from __future__ import annotations

from sqlalchemy.orm import Session

from shared import access
from shared.bootstrap import Container
from shared.domain.access import AccessScope
from services.api.deps import Principal


def scope(session: Session, ctx: Container, user: Principal) -> AccessScope:
    return access.scope_for(session, username=user.username, role=user.role,
                            clearance=user.clearance, today=ctx.today())
