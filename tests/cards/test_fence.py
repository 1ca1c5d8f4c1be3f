"""The renderer's fence: pure code that knows nothing of Flask, the database or the app.

Read from the source (ast), so an import inside a function counts as much as one at the
top. Its only way into the rest of `greetings` is `greetings.text` (pure, standard
library only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import greetings.cards.renderer as renderer

PACKAGE = "greetings.cards.renderer"
ROOT = Path(renderer.__file__).resolve().parent
ALLOWED_FROM_APP = {"greetings.text"}
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "werkzeug", "alembic", "jinja2", "wtforms")
MODULES = sorted(ROOT.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def imports(path: Path) -> set[str]:
    """Absolute names of every module the file imports, relative imports resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                # `from . import fonts` imports the submodule fonts.
                found.update(f"{module}.{alias.name}" for alias in node.names
                             if not node.module)
                found.add(module)
            else:
                found.add(node.module)
    return found


def _allowed(module: str) -> bool:
    if module.split(".")[0] == "greetings":
        return (module == PACKAGE or module.startswith(PACKAGE + ".")
                or module in ALLOWED_FROM_APP)
    return not module.startswith(FORBIDDEN)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_renderer_module_stays_inside_its_fence(path):
    outside = sorted(m for m in imports(path) if not _allowed(m))
    assert outside == [], f"{path.name} imports {outside}"


def test_the_fence_sees_relative_and_late_imports():
    # The checker resolves what the renderer really writes, or it would pass vacuously.
    found = set().union(*(imports(path) for path in MODULES))
    assert {"greetings.text", "greetings.cards.renderer.fonts", "reportlab.pdfbase",
            "arabic_reshaper"} <= found
    assert not _allowed("greetings.cards.service") and not _allowed("flask_babel")
    assert not _allowed("greetings.models") and _allowed("greetings.cards.renderer.qr")


def test_nothing_outside_the_writer_touches_private_names():
    # pdf.Page and pdf.Document keep their bytes to themselves; other modules use methods.
    for path in MODULES:
        if path.name == "pdf.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id == "self")):
                raise AssertionError(f"{path.name}:{node.lineno} uses .{node.attr}")
