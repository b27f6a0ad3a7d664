"""The role × action table walked through the CLI: a command run --as a user
is refused (exit 1, "forbidden") exactly where the table says no."""
from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.bootstrap import Container
from shared.domain.model import Role
from shared.domain.permissions import Action, allows
from tests.conftest import Backend, make_user
from tests.e2e.test_cli import DANGAN, env_for

COMMANDS: dict[Action, list[str]] = {
    Action.CUSTOMER_MANAGE: ["customers", "add", "K{role}", "客户"],
    Action.DOCUMENT_UPLOAD: ["ingest", "{folder}", "--manifest", "{manifest}"],
    Action.DOCUMENT_READ: ["search", "合同"],
    Action.RETENTION_MANAGE: ["retention", "sweep", "--as-of", "1900-01-01"],
    Action.DESTRUCTION_APPROVE: ["destruction", "approve", "999"],
    Action.ACCESS_REQUEST: ["access", "request", "--document", "none", "--purpose", "p",
                            "--until", "2999-01-01"],
    Action.ACCESS_APPROVE: ["access", "approve", "999"],
}


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    from shared.config import Settings

    return Backend("embedded", Settings(home=tmp_path / "home", _env_file=None))


def test_the_cli_holds_named_users_to_the_table(container: Container, tmp_path: Path) -> None:
    for role in Role:
        make_user(container, role.value, role=role.value)
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,type,title\n", encoding="utf-8")
    env = env_for(container.settings)

    def run(role: Role, action: Action) -> tuple[Role, Action, subprocess.CompletedProcess]:
        args = [a.format(role=role.value, folder=tmp_path, manifest=manifest) for a in COMMANDS[action]]
        done = subprocess.run([DANGAN, *args, "--as", role.value], env=env, capture_output=True,
                              text=True, timeout=120)
        return role, action, done

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda pair: run(*pair), [(r, a) for r in Role for a in COMMANDS]))
    for role, action, done in results:
        if allows(role.value, action):
            assert "(forbidden)" not in done.stderr, (role, action, done.stderr)
        else:
            assert done.returncode == 1 and "(forbidden)" in done.stderr, (role, action, done.stderr)
