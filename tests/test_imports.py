"""The package's import graph: no cycles (TYPE_CHECKING imports count), and a core that
knows nothing of Slack or Discord."""

from __future__ import annotations

import ast
from pathlib import Path

import novabot

PACKAGE = Path(novabot.__file__).parent
PLATFORM_LIBRARIES = ("slack_bolt", "slack_sdk", "discord")
PLATFORM_FREE = (
    "novabot.core", "novabot.agents", "novabot.routing", "novabot.pipeline", "novabot.erp",
)  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every module `path` imports, at any depth of its code, resolved to known modules."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from package import module` imports the module too.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    names = set(known)
    return {name: imports_of(path, names) - {name} for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str] | None:
        if name in visiting:
            return [*visiting[visiting.index(name) :], name]
        if name in done:
            return None
        visiting.append(name)
        for target in sorted(graph[name]):
            cycle = visit(target)
            if cycle:
                return cycle
        visiting.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name)
        if cycle:
            return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_type_checking_imports_count(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    guarded = "if TYPE_CHECKING:\n    from novabot.core.bot import Bot\n"
    module.write_text("from typing import TYPE_CHECKING\n" + guarded)
    assert imports_of(module, {"novabot.core.bot"}) == {"novabot.core.bot"}


def test_the_core_imports_no_platform_library() -> None:
    offenders = []
    for name, path in modules().items():
        if not name.startswith(PLATFORM_FREE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
            offenders += [
                f"{name} imports {t}"
                for t in targets
                if t.split(".")[0] in PLATFORM_LIBRARIES or t.startswith("novabot.adapters")
            ]
    assert offenders == []


def test_nothing_outside_the_composition_root_builds_the_bot() -> None:
    builders = [
        name
        for name, path in modules().items()
        if "Bot(" in path.read_text(encoding="utf-8") and name not in {"novabot.app"}
    ]
    assert builders == []
