"""The shape of the repository: capabilities import each other without cycles, the shared
foundations import no capability, and nothing tracked refers to a place outside the clone.
"""

import ast
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "greetings"
# Shared by every capability; they may import each other, and no capability.
FOUNDATIONS = {"models", "text", "extensions", "errors"}


# --- the import graph of greetings.* ---------------------------------------------------

def module_name(path: Path) -> str:
    """Return the dotted name of a module file under the repository root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Return every module of the package by its dotted name."""
    return {module_name(path): path for path in sorted((ROOT / PACKAGE).rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """Return the greetings modules a module imports (at any depth: lazy imports count)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                # `from . import intake` names a module; `from .models import Order` does not.
                candidate = f"{base}.{alias.name}"
                found.append((candidate if candidate in known else base, node.lineno))
    return [(target, line) for target, line in found
            if target == PACKAGE or target.startswith(PACKAGE + ".")]


def area(name: str) -> str | None:
    """Return the top-level part a module belongs to (None: the app factory itself)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def area_edges() -> dict[tuple[str, str], list[str]]:
    """Return the imports between top-level parts, each with the lines that make it."""
    known = modules()
    edges = defaultdict(list)
    for name, path in known.items():
        source = area(name)
        for target, line in imported(name, path, set(known)):
            destination = area(target)
            if source and destination and source != destination:
                edges[source, destination].append(f"{path.relative_to(ROOT)}:{line}")
    return edges


def cycles(edges) -> list[list[str]]:
    """Return one cycle through each strongly connected group of parts (Tarjan)."""
    graph = defaultdict(set)
    for source, destination in edges:
        graph[source].add(destination)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_import_graph_is_read_correctly():
    edges = area_edges()
    # Known imports, so that a broken reader cannot pass the tests below by finding none.
    assert ("station", "cards") in edges
    assert ("cli", "intake") in edges
    assert ("intake", "models") in edges
    assert cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [
        ["a", "b", "c"]]


def test_no_import_cycle_between_capabilities():
    edges = area_edges()
    found = cycles(edges)
    detail = [f"{' <-> '.join(group)}: " + "; ".join(
        f"{a}->{b} ({', '.join(edges[a, b])})" for a in group for b in group if (a, b) in edges)
        for group in found]
    assert not found, "\n".join(detail)


def test_foundations_import_no_capability():
    wrong = {(source, destination): lines for (source, destination), lines in area_edges().items()
             if source in FOUNDATIONS and destination not in FOUNDATIONS}
    assert not wrong, wrong


# --- nothing refers outside the repository ---------------------------------------------

UPWARDS = re.compile(r"(?<![\w.])((?:\.\./)+)")
# Spelled in pieces, so that this file does not match itself.
SHARED = ".." + "/shared"
UP_TWICE = ".." + "/.." + "/"


def tracked_files() -> list[str]:
    """Return the files git tracks in this checkout."""
    need(shutil.which("git") is not None and (ROOT / ".git").exists(),
         "needs a git checkout to list the tracked files")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode()
    return [name for name in listed.split("\0") if name]


def outside_references(relative: str, text: str) -> list[str]:
    """Return the places in one file's text that point outside the repository."""
    depth = len(Path(relative).parent.parts)
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if SHARED in line:
            found.append(f"{relative}:{number}: {line.strip()}")
            continue
        # More ../ than the file is deep leaves the repository even from its own folder.
        if any(match.group(1).count("../") > depth for match in UPWARDS.finditer(line)):
            found.append(f"{relative}:{number}: {line.strip()}")
    if relative.endswith(".py"):
        found += _file_paths_above_root(relative, text, depth)
    return found


def _file_paths_above_root(relative: str, text: str, depth: int) -> list[str]:
    """Find `Path(__file__).parents[n]`-style expressions that climb above the root."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    named = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            height = _height(node.value, named)
            if height is not None:
                named[node.targets[0].id] = height
    lines = sorted({node.lineno for node in ast.walk(tree) if isinstance(node, ast.expr)
                    and (_height(node, named) or -1) > depth})
    return [f"{relative}:{line}: climbs above the repository" for line in lines]


def _height(node, named) -> int | None:
    """How many folders above the file's own folder a path expression points (None: no path).

    The file itself is -1, its folder 0, the folder holding that 1, and so on.
    """
    if isinstance(node, ast.Name):
        return -1 if node.id == "__file__" else named.get(node.id)
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _height(node.value, named)
        return None if inner is None else inner + 1
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents" and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, int)):
        inner = _height(node.value.value, named)
        return None if inner is None else inner + 1 + node.slice.value
    if isinstance(node, ast.Call):
        function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", None)
        if function in {"resolve", "absolute"} and isinstance(node.func, ast.Attribute):
            return _height(node.func.value, named)
        if function in {"Path", "abspath", "realpath", "dirname"} and node.args:
            inner = _height(node.args[0], named)
            if inner is None:
                return None
            return inner + 1 if function == "dirname" else inner
    return None


@pytest.mark.parametrize(("relative", "text", "bad"), [
    ("tests/support/webhooks.py",
     'FIXTURES = Path(__file__).resolve().parents[2].parent / "elsewhere" / "fixtures"\n',
     True),
    ("tests/support/webhooks.py",
     'FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "erp"\n', False),
    ("bench/x.py", 'ROOT = Path(__file__).resolve().parents[1]\nOTHER = ROOT.parent / "x"\n',
     True),
    ("bench/x.py", "ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n", False),
    ("bench/x.py", "UP = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))\n", True),
    ("README.md", "BODY=$(cat " + SHARED + "/fixtures/erp/shopify.json)\n", True),
    ("Makefile", "\tcp " + UP_TWICE + "elsewhere/x .\n", True),
    ("static/app.css", "src: url(../fonts/x.woff2);\n", False),
])
def test_the_outside_reference_check_sees_what_it_should(relative, text, bad):
    assert bool(outside_references(relative, text)) is bad


def test_no_tracked_file_refers_outside_the_repository():
    found = []
    for relative in tracked_files():
        path = ROOT / relative
        if relative.startswith("tests/vendor/") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, fonts, PDFs
        found += outside_references(relative, text)
    assert not found, "\n".join(found)
