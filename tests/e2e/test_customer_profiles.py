"""Customer profiles with history (动态管理) through the API and the CLI, on both backends."""
from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from shared.bootstrap import Container
from shared.domain.identifiers import (
    credit_code_check_character,
    id_number_check_character,
    organisation_code_check_character,
)
from tests.conftest import login, make_user
from tests.e2e.test_cli import DANGAN, env_for


def credit_code(body: str = "12345678") -> str:
    """A unified social credit code that passes both checks (GB 32100, GB 11714)."""
    first17 = "91350200" + body + organisation_code_check_character(body)
    return first17 + credit_code_check_character(first17)


def id_number(first17: str = "11010119900307123") -> str:
    return first17 + id_number_check_character(first17)


def broken(code: str) -> str:
    """The same code with a check character that does not fit."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


COMPANY = {"code": "C001", "name": "鹭洲贸易有限公司", "kind": "company", "grade": "A",
           "credit_code": credit_code(), "industry": "批发业", "address": "厦门市思明区鹭江道8号",
           "department": "华南事业部",
           "contacts": [{"name": "陈静", "role": "财务经理", "phone": "0592-5123456",
                         "email": "chen.jing@luzhou.example"}]}
PERSON = {"code": "P001", "name": "王芳", "kind": "individual", "grade": "B",
          "id_number": id_number(), "address": "北京市朝阳区建国路88号3单元",
          "contacts": [{"name": "王芳", "phone": "13812345678", "email": "wangfang@example.cn"}]}


def run(container: Container, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DANGAN, *args], env=env_for(container.settings), capture_output=True,
                          text=True, timeout=60)


def events(archivist: httpx.Client, code: str) -> list[str]:
    answer = archivist.get("/api/v1/audit", params={"target": f"customer:{code}"})
    assert answer.status_code == 200, answer.text
    return [e["action"] for e in answer.json()["items"]]


@pytest.fixture
def company(archivist: httpx.Client) -> str:
    response = archivist.post("/api/v1/customers", json=COMPANY)
    assert response.status_code == 201, response.text
    return "C001"


@pytest.fixture
def person(archivist: httpx.Client) -> str:
    response = archivist.post("/api/v1/customers", json=PERSON)
    assert response.status_code == 201, response.text
    return "P001"


def test_a_profile_changed_three_times_keeps_three_dated_entries_with_reasons(
        archivist: httpx.Client, company: str, container: Container) -> None:
    changes = [({"address": "厦门市湖里区金山路1号"}, "搬迁至新办公地址"),
               ({"credit_limit": "1500000", "credit_valid_from": "2026-01-01",
                 "credit_valid_until": "2026-12-31"}, "2026年度授信审批"),
               ({"contacts": [{"name": "林涛", "role": "采购总监", "phone": "13900001111"}],
                 "classification": "core"}, "联系人变更，升为核心客户")]
    for values, reason in changes:
        answer = archivist.patch(f"/api/v1/customers/{company}", json={"reason": reason, **values})
        assert answer.status_code == 200, answer.text

    current = archivist.get(f"/api/v1/customers/{company}").json()
    assert current["address"] == "厦门市湖里区金山路1号"
    assert current["credit_limit"] == "1500000.00"
    assert current["credit_valid_until"] == "2026-12-31"
    assert current["classification"] == "core"
    assert [c["name"] for c in current["contacts"]] == ["林涛"]
    assert current["credit_code"] == COMPANY["credit_code"]  # untouched fields stay

    history = archivist.get(f"/api/v1/customers/{company}/history").json()
    assert history["total"] == 4  # the opening of the file, then the three changes
    entries = history["items"]
    assert [e["reason"] for e in entries[:3]] == [reason for _, reason in reversed(changes)]
    assert all(e["changed_by"] == "archivist1" and e["changed_at"] for e in entries)
    assert entries[2]["changes"] == {"address": {"from": COMPANY["address"],
                                                 "to": "厦门市湖里区金山路1号"}}
    assert entries[0]["changes"]["contacts"]["from"][0]["name"] == "陈静"
    assert entries[0]["profile"] == {k: v for k, v in current.items()
                                     if k not in ("code", "created_at", "updated_at")}
    assert entries[3]["number"] == 1 and entries[3]["profile"]["address"] == COMPANY["address"]
    assert events(archivist, company).count("customer.update") == 3

    shown = run(container, "--json", "customers", "history", company)
    assert shown.returncode == 0, shown.stderr
    assert [e["reason"] for e in json.loads(shown.stdout)["items"]] == [e["reason"] for e in entries]


def test_the_cli_edits_a_profile_with_a_reason_and_shows_its_history(
        archivist: httpx.Client, company: str, container: Container) -> None:
    make_user(container, "arch2", role="archivist")
    edited = run(container, "--json", "customers", "edit", company, "--as", "arch2",
                 "--reason", "授信额度调整", "--credit-limit", "2,000,000.50",
                 "--contact", "周敏;出纳;021-6888 1234;zhou@luzhou.example",
                 "--field", "开户行=中国银行厦门分行")
    assert edited.returncode == 0, edited.stderr
    row = json.loads(edited.stdout)
    assert row["credit_limit"] == "2000000.50"
    assert row["contacts"] == [{"name": "周敏", "role": "出纳", "phone": "021-6888 1234",
                                "email": "zhou@luzhou.example"}]
    assert row["custom_fields"] == {"开户行": "中国银行厦门分行"}
    human = run(container, "customers", "history", company)
    assert human.returncode == 0, human.stderr
    assert "arch2: 授信额度调整" in human.stdout and "credit_limit: — -> 2000000.50" in human.stdout
    latest = archivist.get(f"/api/v1/customers/{company}/history").json()["items"][0]
    assert latest["changed_by"] == "arch2" and latest["reason"] == "授信额度调整"

    again = run(container, "customers", "edit", company, "--reason", "重复", "--credit-limit",
                "2000000.5")
    assert again.returncode == 1 and "(no_change)" in again.stderr
    no_reason = run(container, "customers", "edit", company, "--industry", "零售业")
    assert no_reason.returncode != 0 and "--reason" in no_reason.stderr
    assert archivist.get(f"/api/v1/customers/{company}/history").json()["total"] == 2


@pytest.mark.parametrize("field, value, code, check", [
    ("credit_code", broken(credit_code()), "invalid_credit_code", "check character"),
    ("credit_code", credit_code()[:17], "invalid_credit_code", "length"),
    ("credit_code", "91350200I2345678" + "XX", "invalid_credit_code", "characters"),
])
def test_an_invalid_credit_code_is_refused_naming_the_check(
        archivist: httpx.Client, field: str, value: str, code: str, check: str,
        container: Container) -> None:
    answer = archivist.post("/api/v1/customers", json={**COMPANY, field: value})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["detail"]["check"]) == (code, check)
    assert check in error["message"] and "GB 32100" in error["message"]
    assert archivist.get("/api/v1/customers/C001").status_code == 404
    refused = run(container, "customers", "add", "C002", "某公司", "--credit-code", value)
    assert refused.returncode == 1 and f"{check} check" in refused.stderr


def test_an_invalid_id_number_is_refused_naming_the_check_and_changes_nothing(
        archivist: httpx.Client, person: str) -> None:
    answer = archivist.patch(f"/api/v1/customers/{person}",
                             json={"reason": "更正身份证号", "id_number": broken(id_number())})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["detail"]["check"]) == ("invalid_id_number", "check digit")
    assert "GB 11643" in error["message"]
    assert archivist.get(f"/api/v1/customers/{person}").json()["id_number"] == PERSON["id_number"]
    assert archivist.get(f"/api/v1/customers/{person}/history").json()["total"] == 1
    assert "customer.update" not in events(archivist, person)


@pytest.mark.parametrize("body, status, code", [
    ({"industry": "零售业"}, 422, "invalid_request"),  # no reason at all
    ({"reason": "  ", "industry": "零售业"}, 422, "reason_required"),
    ({"reason": "改", "industry": "批发业"}, 422, "no_change"),
    ({"reason": "改", "id_number": id_number()}, 422, "id_number_not_individual"),
    ({"reason": "改", "credit_valid_from": "2026-06-01", "credit_valid_until": "2026-01-01"},
     422, "invalid_credit_validity"),
    ({"reason": "改", "credit_limit": "-5"}, 422, "invalid_credit_limit"),
    ({"reason": "改", "credit_limit": "1.005"}, 422, "invalid_credit_limit"),
    ({"reason": "改", "contacts": [{"name": "", "phone": "1"}]}, 422, "invalid_contact"),
    ({"reason": "改", "contacts": [{"name": "李", "email": "not-an-address"}]}, 422,
     "invalid_contact"),
    ({"reason": "改", "contacts": [{"name": "李", "phone": "call me"}]}, 422, "invalid_contact"),
    ({"reason": "改", "classification": "vip"}, 422, "invalid_classification"),
    ({"reason": "改", "status": "closed"}, 422, "invalid_request"),  # closing is its own route
    ({"reason": "改", "name": ""}, 422, "invalid_customer_name"),
    ({"reason": "改\n行", "industry": "零售业"}, 422, "invalid_request"),
    ({"reason": "改", "address": "a\x00b"}, 422, "invalid_request"),
    ({"reason": "改", "custom_fields": {"k": {"nested": 1}}}, 422, "invalid_request"),
])
def test_a_bad_change_is_refused_and_leaves_no_entry(
        archivist: httpx.Client, company: str, body: dict, status: int, code: str) -> None:
    answer = archivist.patch(f"/api/v1/customers/{company}", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert archivist.get(f"/api/v1/customers/{company}/history").json()["total"] == 1
    assert archivist.get(f"/api/v1/customers/{company}").json()["industry"] == "批发业"
    assert "customer.update" not in events(archivist, company)


def test_a_second_customer_with_the_same_credit_code_is_refused(
        archivist: httpx.Client, company: str) -> None:
    answer = archivist.post("/api/v1/customers", json={**COMPANY, "code": "C002"})
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "customer_identifier_exists"
    assert archivist.get("/api/v1/customers/C002").status_code == 404
    other = archivist.post("/api/v1/customers", json={"code": "C003", "name": "另一家",
                                                      "kind": "company"})
    assert other.status_code == 201
    taken = archivist.patch("/api/v1/customers/C003",
                            json={"reason": "补录", "credit_code": COMPANY["credit_code"].lower()})
    assert taken.status_code == 409 and taken.json()["error"]["detail"]["customer"] == company


def test_who_may_not_manage_customers_may_not_change_a_profile(
        archivist: httpx.Client, clerk: httpx.Client, company: str) -> None:
    answer = clerk.patch(f"/api/v1/customers/{company}", json={"reason": "改", "industry": "零售业"})
    assert answer.status_code == 403
    assert archivist.get(f"/api/v1/customers/{company}/history").json()["total"] == 1


@pytest.fixture
def readers(container: Container, base_url: str) -> Iterator[dict[int, httpx.Client]]:
    clients = {}
    for clearance in (1, 3):
        make_user(container, f"staff{clearance}", role="staff", clearance=clearance)
        clients[clearance] = login(base_url, f"staff{clearance}")
    yield clients
    for client in clients.values():
        client.close()


def test_an_individuals_personal_fields_are_masked_for_clearance_3(
        archivist: httpx.Client, person: str, company: str,
        readers: dict[int, httpx.Client]) -> None:
    moved = archivist.patch(f"/api/v1/customers/{person}",
                            json={"reason": "地址变更", "address": "上海市浦东新区世纪大道100号"})
    assert moved.status_code == 200, moved.text
    number = PERSON["id_number"]
    full = readers[1].get(f"/api/v1/customers/{person}").json()
    assert full["id_number"] == number and full["contacts"][0]["phone"] == "13812345678"

    for path in (f"/api/v1/customers/{person}", f"/api/v1/customers/{person}/history",
                 "/api/v1/customers"):
        text = readers[3].get(path).text
        for secret in (number, number[6:14], "13812345678", "wangfang@", "建国路88号", "世纪大道"):
            assert secret not in text, (path, secret)
    masked = readers[3].get(f"/api/v1/customers/{person}").json()
    assert masked["id_number"] == number[:6] + "********" + number[14:]
    assert masked["contacts"][0]["phone"] == "138****5678"
    assert masked["contacts"][0]["email"] == "w***@example.cn"
    assert masked["address"].startswith("上海市") and masked["address"].endswith("****")
    assert masked["name"] == "王芳"
    entry = readers[3].get(f"/api/v1/customers/{person}/history").json()["items"][0]
    assert entry["changes"]["address"]["from"].endswith("****")
    # a company's profile is not personal information
    assert readers[3].get(f"/api/v1/customers/{company}").json()["address"] == COMPANY["address"]


def test_closing_and_reopening_are_entries_of_the_history(
        archivist: httpx.Client, company: str) -> None:
    assert archivist.post(f"/api/v1/customers/{company}/close",
                          json={"closed_at": "2026-01-15"}).status_code == 200
    assert archivist.post(f"/api/v1/customers/{company}/reopen").status_code == 200
    entries = archivist.get(f"/api/v1/customers/{company}/history").json()["items"]
    assert [e["reason"] for e in entries[:2]] == ["reopened", "closed on 2026-01-15"]
    assert entries[1]["changes"] == {"status": {"from": "active", "to": "closed"},
                                     "closed_at": {"from": None, "to": "2026-01-15"}}


def test_the_history_is_append_only_in_the_database(company: str, container: Container) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    for statement in ("UPDATE customer_revisions SET reason = 'x'", "DELETE FROM customer_revisions"):
        with pytest.raises(DatabaseError), container.transaction() as session:
            session.execute(text(statement))
