"""``dangan customers``: the customer register, profiles and their history."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from shared import customers as service
from shared.db.models import Customer
from shared.domain import profile
from shared.domain.permissions import Action
from shared.views import customer_out, revision_out
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state


def _row(c: Customer) -> dict[str, Any]:
    return customer_out(c, masked=False)


def _line(r: dict) -> str:
    closed = f" closed {r['closed_at']}" if r["closed_at"] else ""
    return f"{r['code']:<16} {r['name']:<30} {r['kind']:<11} {r['grade']} {r['status']}{closed}"


def _card(r: dict) -> str:
    """The whole profile, one field a line."""
    lines = [_line(r)]
    for field in profile.EDITABLE:
        value = r.get(field)
        if field in ("name", "kind", "grade") or value in (None, [], {}):
            continue
        if field == "contacts":
            value = "; ".join(" ".join(str(c[k]) for k in ("name", "role", "phone", "email") if c[k])
                              for c in value)
        elif field == "custom_fields":
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {field:<19} {value}")
    return "\n".join(lines)


def _contact(raw: str) -> dict[str, str | None]:
    parts = [p.strip() or None for p in raw.split(";")]
    if len(parts) > 4:
        raise click.BadParameter(f"{raw!r}: at most NAME;ROLE;PHONE;EMAIL", param_hint="--contact")
    return dict(zip(("name", "role", "phone", "email"), parts + [None] * (4 - len(parts)),
                    strict=True))


def _field(raw: str) -> tuple[str, str]:
    key, equals, value = raw.partition("=")
    if not equals or not key.strip():
        raise click.BadParameter(f"{raw!r} is not KEY=VALUE", param_hint="--field")
    return key.strip(), value


def profile_options(func: Callable) -> Callable:
    """The profile's options, shared by ``add`` and ``edit``: each given one is
    a value; an empty text clears a field."""
    options = [
        click.option("--classification", type=click.Choice(["core", "ordinary"]),
                     help="客户分类: core 核心 or ordinary 一般."),
        click.option("--credit-code", help="统一社会信用代码 (18 characters, GB 32100)."),
        click.option("--id-number", help="居民身份证号码 of an individual (GB 11643)."),
        click.option("--industry", help="行业."),
        click.option("--address", help="地址."),
        click.option("--department", help="所属部门: the department in charge."),
        click.option("--credit-limit", help="授信额度 in yuan, e.g. 1500000 or 1500000.00."),
        click.option("--credit-from", "credit_valid_from", help="授信有效期 from, YYYY-MM-DD."),
        click.option("--credit-until", "credit_valid_until", help="授信有效期 until, YYYY-MM-DD."),
        click.option("--contact", "contacts", multiple=True, metavar="NAME;ROLE;PHONE;EMAIL",
                     help="A contact (联系人); repeat for several. On edit, the contacts given "
                          "replace the list."),
        click.option("--no-contacts", is_flag=True, help="On edit: remove every contact."),
        click.option("--field", "fields", multiple=True, metavar="KEY=VALUE",
                     help="A free field (自定义字段); repeat for several. On edit, KEY= removes it."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _values(options: dict[str, Any], *, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The profile fields the options give (None: not given)."""
    contacts, no_contacts = options.pop("contacts"), options.pop("no_contacts")
    fields = options.pop("fields")
    values = {k: v for k, v in options.items() if v is not None}
    if contacts or no_contacts:
        values["contacts"] = [_contact(c) for c in contacts]
    if fields:
        merged = dict((current or {}).get("custom_fields") or {})
        for key, value in map(_field, fields):
            if value == "" and current is not None:
                merged.pop(key, None)
            else:
                merged[key] = value
        values["custom_fields"] = merged
    return values


@click.group()
def customers() -> None:
    """Create, list, change, close and reopen customers (客户); their profile history."""


@customers.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(["company", "individual", "government", "partner"]),
              default="company", show_default=True)
@click.option("--grade", type=click.Choice(["A", "B", "C"]), default="B", show_default=True)
@profile_options
@as_user
@pass_state
@handles_errors
def add(state: State, code: str, name: str, kind: str, grade: str, actor: str | None,
        **options: Any) -> None:
    """Add customer CODE named NAME, with its profile."""
    with state.container.transaction() as session:
        row = _row(service.create_customer(session, code=code, name=name, kind=kind, grade=grade,
                                           details=_values(options),
                                           actor=acting(session, actor, Action.CUSTOMER_MANAGE)))
    emit(state, row, _card)


@customers.command("edit")
@click.argument("code")
@click.option("--reason", required=True, help="Why the profile changes (kept in its history).")
@click.option("--name")
@click.option("--kind", type=click.Choice(["company", "individual", "government", "partner"]))
@click.option("--grade", type=click.Choice(["A", "B", "C"]))
@profile_options
@as_user
@pass_state
@handles_errors
def edit(state: State, code: str, reason: str, actor: str | None, **options: Any) -> None:
    """Change the profile of customer CODE: the options given change, the rest
    stays; a new entry in its history records who, when and why."""
    with state.container.transaction() as session:
        current = service.profile_of(service.get_customer(session, code))
        row = _row(service.update_profile(session, code=code, values=_values(options,
                                                                             current=current),
                                          reason=reason,
                                          actor=acting(session, actor, Action.CUSTOMER_MANAGE)))
    emit(state, row, _card)


@customers.command("history")
@click.argument("code")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 1000), default=50, show_default=True)
@pass_state
@handles_errors
def history(state: State, code: str, page: int, size: int) -> None:
    """The history of customer CODE's profile, newest first: when, who, why, what changed."""
    with state.container.uow() as uow:
        _, total, rows = service.history(uow.session, code=code, offset=(page - 1) * size,
                                         limit=size)
        data = {"code": code, "total": total, "page": page, "size": size,
                "items": [revision_out(r, masked=False) for r in rows]}
    emit(state, data, _history_lines)


def _history_lines(data: dict[str, Any]) -> str:
    lines = []
    for entry in data["items"]:
        when = entry["changed_at"].strftime("%Y-%m-%d %H:%M")
        lines.append(f"#{entry['number']} {when} {entry['changed_by']}: {entry['reason']}")
        for field, change in entry["changes"].items():
            lines.append(f"    {field}: {_shown(change['from'])} -> {_shown(change['to'])}")
    lines.append(f"({data['total']} entries, page {data['page']})")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@customers.command("list")
@click.option("--status", type=click.Choice(["active", "closed"]))
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 1000), default=50, show_default=True)
@pass_state
@handles_errors
def list_(state: State, status: str | None, page: int, size: int) -> None:
    """List customers."""
    with state.container.uow() as uow:
        total, rows = service.list_customers(uow.session, status=status, offset=(page - 1) * size,
                                             limit=size)
        data = {"total": total, "page": page, "size": size, "items": [_row(c) for c in rows]}
    emit(state, data, lambda d: "\n".join([_line(r) for r in d["items"]] +
                                          [f"({d['total']} customers, page {d['page']})"]))


@customers.command("show")
@click.argument("code")
@pass_state
@handles_errors
def show(state: State, code: str) -> None:
    """Show one customer."""
    with state.container.uow() as uow:
        row = _row(service.get_customer(uow.session, code))
    emit(state, row, _card)


@customers.command("close")
@click.argument("code")
@click.option("--on", "closed_at", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Closure date (销户日期), YYYY-MM-DD.")
@as_user
@pass_state
@handles_errors
def close(state: State, code: str, closed_at: datetime, actor: str | None) -> None:
    """Close customer CODE: starts its event-based retention clocks."""
    with state.container.transaction() as session:
        row = _row(service.close_customer(session, code=code, closed_at=closed_at.date(),
                                          actor=acting(session, actor, Action.CUSTOMER_MANAGE),
                                          today=state.container.today()))
    emit(state, row, _line)


@customers.command("reopen")
@click.argument("code")
@as_user
@pass_state
@handles_errors
def reopen(state: State, code: str, actor: str | None) -> None:
    """Reopen a closed customer."""
    with state.container.transaction() as session:
        row = _row(service.reopen_customer(session, code=code,
                                           actor=acting(session, actor, Action.CUSTOMER_MANAGE),
                                           today=state.container.today()))
    emit(state, row, _line)


