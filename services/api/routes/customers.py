"""Customers (客户): their profiles with history (动态管理), and the closure event."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared import customers
from shared.db.models import Customer
from shared.domain.access import masks_personal
from shared.views import revision_out
from services.api.deps import ContainerDep, CustomerManager, CustomerReader, Principal
from services.api.schemas import (
    CloseIn,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    HistoryOut,
    Page,
    PageNumber,
)

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
Size = Annotated[int, Query(ge=1, le=500)]


def _out(customer: Customer, user: Principal) -> CustomerOut:
    return CustomerOut.of(customer, masked=masks_personal(user.clearance))


@router.post("", status_code=201, response_model=CustomerOut)
def create(body: CustomerIn, ctx: ContainerDep, user: CustomerManager) -> CustomerOut:
    with ctx.transaction() as session:
        customer = customers.create_customer(session, code=body.code, name=body.name,
                                             kind=body.kind, grade=body.grade,
                                             details=body.details(), actor=user.username)
        return _out(customer, user)


@router.get("", response_model=Page)
def list_(ctx: ContainerDep, user: CustomerReader,
          status: Annotated[str | None, Query(pattern="^(active|closed)$")] = None,
          page: PageNumber = 1, size: Size = 50) -> Page:
    with ctx.uow() as uow:
        total, rows = customers.list_customers(uow.session, status=status,
                                               offset=(page - 1) * size, limit=size)
        return Page(total=total, page=page, size=size, items=[_out(c, user) for c in rows])


@router.get("/{code}", response_model=CustomerOut)
def get(code: str, ctx: ContainerDep, user: CustomerReader) -> CustomerOut:
    with ctx.uow() as uow:
        return _out(customers.get_customer(uow.session, code), user)


@router.patch("/{code}", response_model=CustomerOut)
def change(code: str, body: CustomerPatch, ctx: ContainerDep, user: CustomerManager
           ) -> CustomerOut:
    """Change some fields of the profile, with a reason: a new entry in its history."""
    with ctx.transaction() as session:
        return _out(customers.update_profile(session, code=code, values=body.values(),
                                             reason=body.reason, actor=user.username), user)


@router.get("/{code}/history", response_model=HistoryOut)
def history(code: str, ctx: ContainerDep, user: CustomerReader, page: PageNumber = 1,
            size: Size = 50) -> HistoryOut:
    """Every entry of the profile's history, newest first: who, when, why, what changed."""
    masked = masks_personal(user.clearance)
    with ctx.uow() as uow:
        customer, total, rows = customers.history(uow.session, code=code,
                                                  offset=(page - 1) * size, limit=size)
        return HistoryOut.model_validate({
            "code": customer.code, "total": total, "page": page, "size": size,
            "items": [revision_out(r, masked=masked) for r in rows]})


@router.post("/{code}/close", response_model=CustomerOut)
def close(code: str, body: CloseIn, ctx: ContainerDep, user: CustomerManager) -> CustomerOut:
    with ctx.transaction() as session:
        return _out(customers.close_customer(session, code=code, closed_at=body.closed_at,
                                             actor=user.username, today=ctx.today()), user)


@router.post("/{code}/reopen", response_model=CustomerOut)
def reopen(code: str, ctx: ContainerDep, user: CustomerManager) -> CustomerOut:
    with ctx.transaction() as session:
        return _out(customers.reopen_customer(session, code=code, actor=user.username,
                                              today=ctx.today()), user)
