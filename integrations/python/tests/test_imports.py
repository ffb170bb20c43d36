"""The plugin's modules import one another in one direction only."""

import ast
import pathlib

import pytest_memtally

PACKAGE = pathlib.Path(pytest_memtally.__file__).parent


def _imports() -> dict[str, set[str]]:
    """module -> the package's modules it imports, from the sources."""
    graph = {}
    for path in PACKAGE.glob("*.py"):
        name = path.stem
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        graph[name] = found - {name}
    return graph


def test_no_module_imports_one_that_imports_it_back():
    graph = _imports()
    assert {"plugin", "fixture", "state", "window", "warmup", "client"} <= graph.keys()

    def reaches(start, goal, seen=()):
        return any(m == goal or (m not in seen and reaches(m, goal, (*seen, m))) for m in graph.get(start, ()))

    cycles = sorted(m for m in graph if reaches(m, m))
    assert cycles == [], graph


def test_the_fixture_does_not_know_the_plugin():
    # The plugin registers the fixture; the fixture reads shared state from state.py.
    graph = _imports()
    assert "fixture" in graph["plugin"]
    assert "plugin" not in graph["fixture"]
    assert {"state", "window", "warmup"} <= graph["fixture"]
