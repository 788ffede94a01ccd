"""The package's layers, as docs/architecture.md and HELPERS describe them.

``server/`` is the import package ``dockwise`` and ``rules/`` is ``dockwise.rules``.
Bottom to top:

    atomic → syntax → images → rules → lint → editor → lsp → cli

(``dockwise`` itself, the package's ``__init__`` with the version and the docs
URL, and ``lazyre``, patterns compiled on first use, sit with ``atomic`` at the
bottom; ``python -m dockwise`` is the command
line.) A module imports only from its own layer or the layers below it. lsp and
cli are both at the top: the command line starts the server (``dockwise
serve``), so cli may import lsp, never the other way round. Every import
statement counts, also one inside a function or under ``TYPE_CHECKING``; modules
loaded by name with importlib (the rule collection in ``rules/__init__``, the
LSP features in ``lsp/server``) are not statements and are not edges here (the
LSP ones are checked by tests/lsp/test_hooks.py). No two modules import each
other, directly or round a circle. Only files under ``server/lsp/`` mention
pygls or lsprotocol, comments included.

Each check is a function over a source tree, run on this repository and on a
small tree made here with one planted violation of each kind.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = ("atomic", "syntax", "images", "rules", "lint", "editor", "lsp", "cli")
LSP_ONLY = ("pygls", "lsprotocol")


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module (the longest name in the package that it names)
    line: int


def modules(root: Path) -> dict[str, Path]:
    """Module name → file, for server/ as ``dockwise`` and rules/ as ``dockwise.rules``."""
    out: dict[str, Path] = {}
    for folder, pkg in (("server", "dockwise"), ("rules", "dockwise.rules")):
        for p in sorted((root / folder).rglob("*.py")):
            if "__pycache__" in p.parts:
                continue
            parts = list(p.relative_to(root / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([pkg, *parts])] = p
    return out


def imports(mods: dict[str, Path]) -> list[Import]:
    """Every import statement of every module (module level, in functions, under
    TYPE_CHECKING) that names a module of the package."""
    out: list[Import] = []

    def known(name: str) -> str | None:
        parts = name.split(".")
        while parts and ".".join(parts) not in mods:
            parts.pop()
        return ".".join(parts) or None

    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names: list[str]
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:  # ast.ImportFrom
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    pkg = ".".join(base + ([node.module] if node.module else []))
                else:
                    pkg = node.module or ""
                # ``from dockwise import rules`` names the module dockwise.rules
                names = [f"{pkg}.{a.name}" if f"{pkg}.{a.name}" in mods else pkg for a in node.names]
            for n in names:
                t = known(n)
                if t is not None and t != mod:
                    out.append(Import(mod, t, node.lineno))
    return out


def layer_of(mod: str) -> int | None:
    if mod in ("dockwise", "dockwise.atomic", "dockwise.lazyre"):
        return LAYERS.index("atomic")
    if mod == "dockwise.__main__":
        return LAYERS.index("cli")
    part = mod.split(".")[1]
    return LAYERS.index(part) if part in LAYERS else None


def layer_problems(root: Path) -> list[str]:
    mods = modules(root)
    out = [f"{m} ({p.relative_to(root)}) is in no layer: put it in one of {', '.join(LAYERS)}"
           for m, p in mods.items() if layer_of(m) is None]
    for i in imports(mods):
        a, b = layer_of(i.source), layer_of(i.target)
        if a is not None and b is not None and b > a:
            out.append(f"{mods[i.source].relative_to(root)}:{i.line}: {i.source} ({LAYERS[a]}) imports "
                       f"{i.target} ({LAYERS[b]}), a layer above it")
    return out


def circles(root: Path) -> list[str]:
    mods = modules(root)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    where: dict[tuple[str, str], int] = {}
    for i in imports(mods):
        graph[i.source].add(i.target)
        where.setdefault((i.source, i.target), i.line)
    found: list[str] = []
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:  # depth-first; a grey node met again closes a circle
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                ring = path[path.index(n):] + [n]
                found.append(" → ".join(f"{a} (line {where[(a, b)]})" for a, b in zip(ring, ring[1:])) + f" → {n}")
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def lsp_mentions_outside_lsp(root: Path) -> list[str]:
    """Files under server/ outside server/lsp/ whose text names pygls or lsprotocol
    (what ``git grep -l "pygls\\|lsprotocol" server/`` lists, untracked files too)."""
    out = []
    for p in sorted((root / "server").rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.is_relative_to(root / "server" / "lsp"):
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if any(w in text for w in LSP_ONLY):
            out.append(str(p.relative_to(root)))
    return out


# -- this repository -------------------------------------------------------------------------


def test_every_module_imports_only_its_layer_and_those_below():
    assert len(modules(ROOT)) > 150  # the walk found the package
    problems = layer_problems(ROOT)
    assert not problems, "\n".join(problems)


def test_no_import_circle():
    edges = imports(modules(ROOT))
    assert len(edges) > 300  # the walk found the imports
    # a function-level import is an edge: the command line starts the server lazily
    assert any(i.source == "dockwise.cli.main" and i.target == "dockwise.lsp.boot" for i in edges)
    found = circles(ROOT)
    assert not found, "import circles:\n" + "\n".join(found)


def test_only_the_lsp_layer_mentions_pygls_or_lsprotocol():
    assert (ROOT / "server" / "lsp" / "convert.py").read_text().count("lsprotocol") > 0
    found = lsp_mentions_outside_lsp(ROOT)
    assert not found, "pygls/lsprotocol named outside server/lsp/: " + ", ".join(found)


# -- the checks themselves, on a tree with planted violations --------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


CLEAN = {
    "server/__init__.py": "__version__ = '0'\n",
    "server/atomic.py": "",
    "server/syntax/__init__.py": "",
    "server/syntax/model.py": "from dockwise.atomic import *\n",
    "server/lint/__init__.py": "",
    "server/lint/engine.py": "from dockwise.syntax.model import *\nfrom dockwise import rules\n",
    "server/lsp/__init__.py": "",
    "server/lsp/server.py": "import pygls\nfrom ..lint import engine\n",
    "server/cli/__init__.py": "",
    "server/cli/main.py": "def serve():\n    from dockwise.lsp.server import serve\n",
    "rules/__init__.py": "from ._api import *\n",
    "rules/_api.py": "from dockwise.syntax.model import *\n",
    "rules/dl1.py": "from ._api import *\n",
}


def test_the_checks_pass_a_clean_tree(tmp_path):
    root = _tree(tmp_path, CLEAN)
    assert layer_problems(root) == [] and circles(root) == [] and lsp_mentions_outside_lsp(root) == []
    assert Import("dockwise.rules.dl1", "dockwise.rules._api", 1) in imports(modules(root))
    assert Import("dockwise.lint.engine", "dockwise.rules", 2) in imports(modules(root))


def test_an_upward_import_in_a_function_is_found(tmp_path):
    root = _tree(tmp_path, {**CLEAN, "rules/dl1.py": "def check():\n    from dockwise.lint.engine import x\n"})
    assert layer_problems(root) == [
        "rules/dl1.py:2: dockwise.rules.dl1 (rules) imports dockwise.lint.engine (lint), a layer above it"]


def test_the_server_never_imports_the_command_line(tmp_path):
    root = _tree(tmp_path, {**CLEAN, "server/lsp/server.py": "import pygls\nfrom dockwise.cli import main\n"})
    assert layer_problems(root) == [
        "server/lsp/server.py:2: dockwise.lsp.server (lsp) imports dockwise.cli.main (cli), a layer above it"]


def test_a_module_outside_the_layers_is_found(tmp_path):
    root = _tree(tmp_path, {**CLEAN, "server/util.py": ""})
    assert layer_problems(root) == [
        "dockwise.util (server/util.py) is in no layer: put it in one of " + ", ".join(LAYERS)]


def test_a_circle_is_found(tmp_path):
    root = _tree(tmp_path, {**CLEAN, "server/syntax/model.py": "from . import parser\n",
                            "server/syntax/parser.py": "def f():\n    from dockwise.syntax.model import M\n"})
    assert layer_problems(root) == []
    assert circles(root) == ["dockwise.syntax.model (line 1) → dockwise.syntax.parser (line 2) → "
                             "dockwise.syntax.model"]


def test_a_mention_of_lsprotocol_outside_the_lsp_layer_is_found(tmp_path):
    root = _tree(tmp_path, {**CLEAN, "server/editor/__init__.py": "",
                            "server/editor/hover.py": "# returns what lsprotocol calls a Hover\n"})
    assert lsp_mentions_outside_lsp(root) == ["server/editor/hover.py"]
