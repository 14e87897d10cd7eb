"""The house rules that keep the tree readable (docs/architecture.md): one concept per
module, short functions. Generated or generating code is exempt: the migration, and the
simulator's history generator."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "wikivice"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
EXEMPT_MODULES = {"store/migrations/versions"}
EXEMPT_FUNCTIONS = {("simulator/blocks.py", "generate")}  # one pass per block of history


def modules() -> list[Path]:
    found = sorted(PACKAGE.rglob("*.py"))
    assert len(found) > 50  # the package, not an empty folder
    return [
        p
        for p in found
        if not any(str(p.relative_to(PACKAGE)).startswith(e) for e in EXEMPT_MODULES)
    ]


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in modules()
        if (n := p.read_text().count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    long: dict[str, int] = {}
    for path in modules():
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and (where, node.name) not in EXEMPT_FUNCTIONS:
                    long[f"{where}:{node.lineno} {node.name}"] = lines
    assert long == {}


def test_every_core_module_has_a_test_file_of_its_own() -> None:
    tests = Path(__file__).parent
    missing = [
        str(path.relative_to(PACKAGE))
        for layer in ("wiki", "store", "jobs", "figures")
        for path in sorted((PACKAGE / layer).glob("*.py"))
        if path.name != "__init__.py" and not (tests / layer / f"test_{path.name}").exists()
    ]
    assert missing == []
