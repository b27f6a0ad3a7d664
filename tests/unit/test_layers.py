"""The layers import only downward (CONVENTIONS.md, Layout): read from the
import statements of the source itself, so a violation fails here before it
works by accident anywhere else."""
from __future__ import annotations

import ast
from collections.abc import Collection
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("sqlalchemy", "fastapi", "boto3", "opensearchpy", "click")
# `dangan serve` starts the HTTP API: serving it is that command's whole job,
# so it alone may build the app; no other command borrows from services.api
SERVES_THE_API = {("services/cli/main.py", "serve", "services.api.app")}


def imports(path: Path) -> list[tuple[str, str]]:
    """(module imported, enclosing function or "") of each import statement in ``path``."""
    found: list[tuple[str, str]] = []

    class Visitor(ast.NodeVisitor):
        def __init__(self) -> None:
            self.function = ""

        def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
            outer, self.function = self.function, self.function or node.name
            self.generic_visit(node)
            self.function = outer

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Import(self, node: ast.Import) -> None:
            found.extend((alias.name, self.function) for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level == 0 and node.module:  # relative imports stay inside their package
                found.append((node.module, self.function))

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def reaches(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offenders(folder: str, forbidden: tuple[str, ...],
              allowed: Collection[tuple[str, str, str]] = ()) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for module, function in imports(path):
            if any(reaches(module, p) for p in forbidden) and (name, function, module) not in allowed:
                found.append(f"{name}: import {module}" + (f" (in {function})" if function else ""))
    return found


@pytest.mark.parametrize("folder, forbidden, why", [
    ("services/cli", ("services.api",),
     "the command shares use cases and serializers with the API through shared/, not its routes"),
    ("services/ingest", ("services.search",),
     "ingest emits an index job that search handles; it never calls search"),
    ("shared", ("services",), "the domain core is used by the services and uses none of them"),
    ("shared/domain", FRAMEWORKS, "rules and values are pure: no database, web, storage or CLI"),
])
def test_a_layer_does_not_import_what_sits_above_it(folder: str, forbidden: tuple[str, ...],
                                                     why: str) -> None:
    assert offenders(folder, forbidden, SERVES_THE_API) == [], why


def test_the_walk_sees_imports_at_every_depth(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import a.b\nfrom c import d\nfrom . import e\n"
                      "def f():\n    from services.api.app import x\n", encoding="utf-8")
    assert imports(module) == [("a.b", ""), ("c", ""), ("services.api.app", "f")]
