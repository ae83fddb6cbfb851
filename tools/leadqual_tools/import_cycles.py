"""`python -m leadqual_tools.import_cycles`: fails if any of the project's modules import each other.

Every import counts, wherever it is written: at the top, inside a function (imported on first use)
or under `TYPE_CHECKING`. A lazy or type-only import hides a cycle at runtime, but the two modules
still cannot be understood, moved or tested one without the other.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Source folder -> the packages it holds.
ROOTS: dict[str, tuple[str, ...]] = {
    "functions": ("leadqual",),
    "training": ("leadqual_training",),
    "tools": ("leadqual_tools",),
    "infra": ("leadqual_infra",),
}


def project_modules(repo: Path, roots: dict[str, tuple[str, ...]]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the given packages."""
    found: dict[str, Path] = {}
    for folder, packages in roots.items():
        for package in packages:
            for path in sorted((repo / folder / package).rglob("*.py")):
                parts = path.relative_to(repo / folder).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                found[name] = path
    return found


def imported_modules(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The project modules that `name` imports; `from package import module` counts as the module."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                child = f"{base}.{alias.name}"
                targets.add(child if child in known else base)
    # An import of a.b.c also runs a and a.b; only the module named is an edge of ours.
    return {t for t in targets if t in known and t != name}


def strongly_connected(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Tarjan's algorithm, iterative: each group of modules that reach one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    yield sorted(group)


def import_cycles(repo: Path = REPO, roots: dict[str, tuple[str, ...]] = ROOTS) -> list[list[str]]:
    modules = project_modules(repo, roots)
    graph = {name: imported_modules(name, path, modules) for name, path in modules.items()}
    return list(strongly_connected(graph))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    cycles = import_cycles()
    for group in cycles:
        print("import cycle: " + " <-> ".join(group), file=sys.stderr)
    if not cycles:
        print(f"no import cycles among {len(project_modules(REPO, ROOTS))} modules")
    return 1 if cycles else 0


if __name__ == "__main__":
    raise SystemExit(main())
