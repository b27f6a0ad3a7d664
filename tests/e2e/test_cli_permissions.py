"""The role × action table walked through the CLI: a command run --as a user
is refused (exit 1, "forbidden") exactly where the table says no. The walk runs
the real `dangan` command in-process (click's runner), one command per role
and action; tests/e2e/test_cli.py runs it as a separate process."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from shared.bootstrap import Container
from shared.domain.model import Role
from shared.domain.permissions import Action, allows
from services.cli.main import cli
from tests.conftest import Backend, make_user
from tests.e2e.test_cli import env_for

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
    env: dict[str, str | None] = {k: v for k, v in env_for(container.settings).items()
                                  if k.startswith("DANGAN_")}
    env.update({k: None for k in os.environ if k.startswith("DANGAN_") and k not in env})
    runner = CliRunner()

    def run(role: Role, action: Action) -> Result:
        args = [a.format(role=role.value, folder=tmp_path, manifest=manifest) for a in COMMANDS[action]]
        return runner.invoke(cli, [*args, "--as", role.value], env=env, obj=None)

    for role in Role:
        for action in COMMANDS:
            done = run(role, action)
            if allows(role.value, action):
                assert "(forbidden)" not in done.stderr, (role, action, done.stderr)
            else:
                assert done.exit_code == 1 and "(forbidden)" in done.stderr, (role, action, done.stderr)
