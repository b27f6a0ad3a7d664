"""Customers (客户) and their closure event."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared import customers
from services.api.deps import ContainerDep, CustomerManager, CustomerReader
from services.api.schemas import CloseIn, CustomerIn, CustomerOut, Page, PageNumber

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.post("", status_code=201, response_model=CustomerOut)
def create(body: CustomerIn, ctx: ContainerDep, user: CustomerManager) -> CustomerOut:
    with ctx.transaction() as session:
        customer = customers.create_customer(session, code=body.code, name=body.name,
                                             kind=body.kind, grade=body.grade, actor=user.username)
        return CustomerOut.of(customer)


@router.get("", response_model=Page)
def list_(ctx: ContainerDep, user: CustomerReader,
          status: Annotated[str | None, Query(pattern="^(active|closed)$")] = None,
          page: PageNumber = 1,
          size: Annotated[int, Query(ge=1, le=500)] = 50) -> Page:
    with ctx.uow() as uow:
        total, rows = customers.list_customers(uow.session, status=status,
                                               offset=(page - 1) * size, limit=size)
        return Page(total=total, page=page, size=size, items=[CustomerOut.of(c) for c in rows])


@router.get("/{code}", response_model=CustomerOut)
def get(code: str, ctx: ContainerDep, user: CustomerReader) -> CustomerOut:
    with ctx.uow() as uow:
        return CustomerOut.of(customers.get_customer(uow.session, code))


@router.post("/{code}/close", response_model=CustomerOut)
def close(code: str, body: CloseIn, ctx: ContainerDep, user: CustomerManager) -> CustomerOut:
    with ctx.transaction() as session:
        return CustomerOut.of(customers.close_customer(session, code=code, closed_at=body.closed_at,
                                                       actor=user.username, today=ctx.today()))


@router.post("/{code}/reopen", response_model=CustomerOut)
def reopen(code: str, ctx: ContainerDep, user: CustomerManager) -> CustomerOut:
    with ctx.transaction() as session:
        return CustomerOut.of(customers.reopen_customer(session, code=code, actor=user.username,
                                                        today=ctx.today()))
