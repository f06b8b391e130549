"""The package's layering, checked statically over the source (`ast`, no database).

- `contactapi.db` (migrations included) imports nothing of the web layer nor of the domains.
- The top-level packages and modules of `contactapi` import one another without a cycle.
- Only `db/` asks which database it is on; elsewhere the connection's `dialect` is asked for
  SQL, never compared.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "contactapi"
ROOT = "contactapi"

WEB = {"web", "auth", "validation"}
DOMAINS = {"contacts", "tags", "campaigns", "workflows", "custom_fields", "calendars",
           "appointments", "locations", "queue"}  # fmt: skip
# The composition roots: they import everything; only another root may import one.
COMPOSITION_ROOTS = {"app", "cli", "commands", "jobs"}
# What a dialect branch would test a value against.
DATABASE_CLASSES = {"PostgresDatabase", "SQLiteDatabase", "PostgresConnection",
                    "SQLiteConnection", "PostgresDialect", "SQLiteDialect"}  # fmt: skip


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. contactapi.db.engine
    target: str  # the imported module, e.g. contactapi.settings
    where: str  # path:line

    @property
    def edge(self) -> tuple[str, str]:
        return node(self.source), node(self.target)


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def node(module: str) -> str:
    """The top-level package or module of `contactapi` a module belongs to."""
    parts = module.split(".")
    assert parts[0] == ROOT, module
    return parts[1] if len(parts) > 1 else ROOT


@cache
def sources() -> dict[str, tuple[Path, ast.Module]]:
    """Every module of the package, parsed: {module name: (path, tree)}."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        found[module_name(path)] = (path, ast.parse(path.read_text(), filename=str(path)))
    return found


def _resolve(module: str, is_package: bool, imported: str | None, level: int) -> str:
    """The absolute name of `from <level dots><imported> import ...` in `module`."""
    if level == 0:
        assert imported is not None
        return imported
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, imported] if imported else base)


def imports_in(module: str, path: Path, tree: ast.Module) -> Iterator[Import]:
    """Every import of `contactapi` anywhere in the module: at the top, in functions, under
    TYPE_CHECKING. `from package import name` imports `package.name` when that is a module."""
    known = sources()
    is_package = path.name == "__init__.py"
    where = path.relative_to(SRC.parents[1])
    for item in ast.walk(tree):
        if not isinstance(item, ast.Import | ast.ImportFrom | ast.Call):
            continue
        targets: list[str] = []
        if isinstance(item, ast.Import):
            targets = [alias.name for alias in item.names]
        elif isinstance(item, ast.ImportFrom):
            base = _resolve(module, is_package, item.module, item.level)
            for alias in item.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in known else base)
        elif (
            _called_name(item.func) in ("import_module", "__import__")
            and item.args
            and isinstance(item.args[0], ast.Constant)
            and isinstance(item.args[0].value, str)
        ):
            targets = [item.args[0].value]
        for target in targets:
            if target == ROOT or target.startswith(ROOT + "."):
                yield Import(module, target, f"{where}:{item.lineno}")


def all_imports() -> list[Import]:
    return [
        found
        for module, (path, tree) in sources().items()
        for found in imports_in(module, path, tree)
    ]


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _names(expr: ast.AST) -> Iterator[str]:
    """The names and attribute names an expression mentions."""
    for item in ast.walk(expr):
        if isinstance(item, ast.Name):
            yield item.id
        elif isinstance(item, ast.Attribute):
            yield item.attr


def _asks_database(expr: ast.AST) -> bool:
    return any("dialect" in name.lower() or name in DATABASE_CLASSES for name in _names(expr))


def dialect_branches(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, code) of each test of which database this is: a comparison or `match` on a
    dialect (or a database class), an isinstance/issubclass against a database class."""
    for item in ast.walk(tree):
        if isinstance(item, ast.Compare) and any(
            _asks_database(operand) for operand in (item.left, *item.comparators)
        ):
            yield item.lineno, ast.unparse(item)
        elif isinstance(item, ast.Match) and _asks_database(item.subject):
            yield item.lineno, f"match {ast.unparse(item.subject)}"
        elif (
            isinstance(item, ast.Call)
            and _called_name(item.func) in ("isinstance", "issubclass")
            and len(item.args) == 2
            and DATABASE_CLASSES.intersection(_names(item.args[1]))
        ):
            yield item.lineno, ast.unparse(item)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` as [a, b, ..., a], or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(at: str) -> list[str] | None:
        if at in path:
            return [*path[path.index(at) :], at]
        if at in done:
            return None
        path.append(at)
        for following in sorted(graph.get(at, ())):
            if (cycle := visit(following)) is not None:
                return cycle
        path.pop()
        done.add(at)
        return None

    for start in sorted(graph):
        if (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_source_is_found() -> None:
    modules = sources()
    assert "contactapi.db.engine" in modules
    assert "contactapi.db.migrations.env" in modules
    assert any(name.startswith("contactapi.db.migrations.versions.") for name in modules)
    assert {node(name) for name in modules} >= WEB | DOMAINS | COMPOSITION_ROOTS | {"db"}


def test_db_imports_neither_the_web_layer_nor_a_domain() -> None:
    forbidden = WEB | DOMAINS | COMPOSITION_ROOTS
    found = [
        f"{found.where}: {found.source} imports {found.target}"
        for found in all_imports()
        if node(found.source) == "db" and node(found.target) in forbidden
    ]
    assert not found, "\n".join(found)


def test_no_import_cycle_between_top_level_packages() -> None:
    graph: dict[str, set[str]] = {}
    sites: dict[tuple[str, str], list[str]] = {}
    for found in all_imports():
        source, target = found.edge
        graph.setdefault(source, set())
        if source != target:
            graph[source].add(target)
            sites.setdefault((source, target), []).append(found.where)
    cycle = find_cycle(graph)
    if cycle is not None:
        steps = [f"  {a} -> {b}: {', '.join(sites[a, b])}" for a, b in pairwise(cycle)]
        raise AssertionError("import cycle " + " -> ".join(cycle) + "\n" + "\n".join(steps))


def test_only_a_composition_root_imports_one() -> None:
    found = [
        f"{found.where}: {found.source} imports {found.target}"
        for found in all_imports()
        if node(found.target) in COMPOSITION_ROOTS and node(found.source) not in COMPOSITION_ROOTS
    ]
    assert not found, "\n".join(found)


def test_no_dialect_branch_outside_db() -> None:
    found = [
        f"{path.relative_to(SRC.parents[1])}:{line}: {code}"
        for module, (path, tree) in sources().items()
        if node(module) != "db"
        for line, code in dialect_branches(tree)
    ]
    assert not found, "\n".join(found)


def test_the_checks_see_what_they_look_for() -> None:
    """The checkers themselves, on code that breaks each rule."""
    branches = """
if conn.dialect == "postgresql": pass
if self.db.dialect.name != "sqlite": pass
x = "a" if dialect.name in ("sqlite",) else "b"
if isinstance(db, (engine.PostgresDatabase, str)): pass
if isinstance(conn, SQLiteConnection | PostgresConnection): pass
match conn.dialect.name:
    case "sqlite": pass
sql = conn.dialect.for_update + "x"
if isinstance(value, str) and value == "sqlite": pass
"""
    assert sorted(line for line, _ in dialect_branches(ast.parse(branches))) == [2, 3, 4, 5, 6, 7]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    imports = """
from contactapi import validation as v
def f():
    from ...web import http
if TYPE_CHECKING:
    import contactapi.auth
from . import postgresql
importlib.import_module("contactapi.tags")
"""
    path = SRC / "db" / "search" / "query.py"
    found = imports_in("contactapi.db.search.query", path, ast.parse(imports))
    assert sorted(item.target for item in found) == [
        "contactapi.auth",
        "contactapi.db.search.postgresql",
        "contactapi.tags",
        "contactapi.validation",
        "contactapi.web.http",
    ]
