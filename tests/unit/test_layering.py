"""The package's layers (docs/architecture.md) stay true: no import from a lower layer to a
higher one, no import cycle between modules, and the runtime never reaches the dev tools.

Every import is read with ``ast``, function-level ones included, in ``include/mediamon``,
``dags/`` and ``plugins/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "include" / "mediamon"

# Lowest first. A module may import from its own layer and the layers below it. The first
# matching prefix places a module (longest prefixes are listed first where they nest).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("ground", ("mediamon", "mediamon.records", "mediamon.text", "mediamon.config",
                "mediamon.window", "mediamon.redact", "mediamon.alerts", "mediamon.inflate")),
    ("stages", ("mediamon.fetch", "mediamon.parse", "mediamon.quality", "mediamon.load")),
    ("use", ("mediamon.search", "mediamon.export", "mediamon.report", "mediamon.mentions",
             "mediamon.spikes", "mediamon.onboard", "mediamon.revisions",
             "mediamon.sourcecheck")),
    ("run", ("mediamon.batches", "mediamon.pipeline", "mediamon.tasks", "mediamon.backfill",
             "mediamon.reparse", "mediamon.assets", "mediamon.timetable")),
    # the developer's machine: `make up`, the dag.test() runner, synthetic captures
    ("dev", ("mediamon.devtools",)),
    ("faces", ("mediamon.cli", "mediamon.monitor", "dags", "plugins")),
]  # fmt: skip
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
# Modules the runtime (the DAGs and their tasks, the plugin, the stages) may never import:
# only the CLI and the tests reach the dev tools.
DEV_ONLY = ("mediamon.devtools", "mediamon.cli")


def layer_of(module: str) -> str:
    """The layer of a module name (``KeyError`` when no layer claims it)."""
    best = None
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > len(best[1]):
                    best = (name, prefix)
    if best is None:
        raise KeyError(module)
    return best[0]


def module_name(path: Path) -> str:
    if path.is_relative_to(PACKAGE):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    else:
        parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> list[Path]:
    found = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    found += sorted((ROOT / "dags").glob("*.py")) + sorted((ROOT / "plugins").glob("*.py"))
    return sorted(found)


def imports(path: Path) -> set[str]:
    """Every ``mediamon`` module ``path`` imports, at any depth of its code."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from mediamon import pipeline`` imports the module mediamon.pipeline
            found.update(f"{target}.{a.name}" for a in node.names if _is_module(target, a.name))
    return {name for name in found if name == "mediamon" or name.startswith("mediamon.")}


def _is_module(package: str, name: str) -> bool:
    if not package.startswith("mediamon"):
        return False
    base = PACKAGE.parent.joinpath(*package.split("."))
    return (base / f"{name}.py").exists() or (base / name / "__init__.py").exists()


GRAPH = {module_name(p): imports(p) for p in sources()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_every_module_has_a_layer(module):
    assert layer_of(module)


def test_no_import_from_a_lower_layer_to_a_higher_one():
    wrong = [
        f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if target != module and RANK[layer_of(target)] > RANK[layer_of(module)]
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_the_runtime_never_imports_the_dev_tools():
    runtime = [m for m in GRAPH if not m.startswith(DEV_ONLY)]
    wrong = [
        f"{module} imports {target}"
        for module in runtime
        for target in GRAPH[module]
        if target.startswith(DEV_ONLY)
    ]
    assert not wrong, "\n".join(sorted(wrong))


def _edges() -> dict[str, set[str]]:
    """Module → the modules of GRAPH it imports (a package name stands for its __init__)."""
    return {m: {t for t in targets if t in GRAPH and t != m} for m, targets in GRAPH.items()}


def test_no_import_cycles():
    edges = _edges()
    # A package's __init__ re-exporting its own submodules is not a cycle of concepts.
    for module, targets in edges.items():
        edges[module] = {t for t in targets if not module.startswith(t + ".")}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target) :] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_no_module_over_the_size_limit():
    limit = 550  # "about 500 lines": one concept per module
    big = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit
    ]
    assert not big, "\n".join(big)
