"""ruff and pyright run from the test command and fail it when they find anything.

scripts/check (ruff over server/ rules/ tests/ bench/ scripts/, pyright over the
package laid out as ``dockwise`` by scripts/typecheck, and over tests/ and bench/) is run for real on a small
checkout made here, clean and with planted findings; scripts/test is run on the
same checkout with a stand-in interpreter that skips the installs and the tests,
so what is shown is how scripts/test folds the checks into its exit status.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from need import missing

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _tools():
    for mod in ("ruff", "pyright"):
        if importlib.util.find_spec(mod) is None:
            missing(mod, f"{mod} is not installed (pip install -e '.[test]')")


def checkout(tmp_path: Path) -> Path:
    """A checkout laid out like this one (pyproject.toml, server/, rules/, tests/,
    scripts/) whose code is clean: a rule module importing the package by both
    absolute and relative names, as the real rules do."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("test", "check", "typecheck"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    files = {
        "server/__init__.py": "",
        "server/syntax/__init__.py": "",
        "server/syntax/model.py": "class Span:\n    start: int = 0\n",
        "rules/__init__.py": "",
        "rules/_api.py": "from dockwise.syntax.model import Span\n\n\ndef where() -> Span:\n    return Span()\n",
        "rules/dl0000.py": "from dockwise.syntax.model import Span\n\nfrom ._api import where\n\n\n"
                           "def check() -> Span:\n    return where()\n",
        "tests/test_x.py": "def test_x():\n    assert True\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def check(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(["bash", str(root / "scripts" / "check"), str(root)], env=env,
                          capture_output=True, text=True, timeout=900)


def test_check_passes_a_clean_checkout(tmp_path):
    r = check(checkout(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "All checks passed!" in r.stdout
    assert "0 errors, 0 warnings" in r.stdout and "7 files laid out, 7 checked" in r.stdout  # tests/ too


def test_check_fails_on_what_ruff_or_pyright_finds(tmp_path):
    root = checkout(tmp_path)
    (root / "tests" / "test_x.py").write_text("def test_x():\n    assert undefined_name\n")
    r = check(root)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "tests/test_x.py:2:12: F821 Undefined name `undefined_name`" in r.stdout
    # pyright ran too (tests are checked) and found the same name, at its path in the repository
    assert 'tests/test_x.py:2:12 - error: "undefined_name" is not defined' in r.stdout
    assert "1 errors, 0 warnings" in r.stdout

    root = checkout(tmp_path / "2")
    (root / "rules" / "dl0000.py").write_text(
        "from dockwise.syntax.model import Span\n\nfrom ._api import where\n\n\n"
        "def check() -> int:\n    s: Span = where()\n    return s\n")
    r = check(root)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "All checks passed!" in r.stdout  # ruff has nothing to say
    # reported at its path in the repository, not in the temporary dockwise/ layout
    assert 'rules/dl0000.py:8:12 - error: Type "Span" is not assignable to return type "int"' in r.stdout
    assert "1 errors, 0 warnings" in r.stdout


def fake_venv(root: Path) -> None:
    """.venv/bin/python for scripts/test: pip and pytest do nothing (pytest says it
    passed), everything else (ruff, scripts/typecheck) runs on this interpreter."""
    b = root / ".venv" / "bin"
    b.mkdir(parents=True)
    (b / "python").write_text(
        "#!/bin/bash\n"
        'if [ "$1" = -m ] && [ "$2" = pip ]; then exit 0; fi\n'
        'if [ "$1" = -m ] && [ "$2" = pytest ]; then echo "1 passed in 0.01s"; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n')
    (b / "python").chmod(0o755)


def test_scripts_test_fails_when_the_checks_fail_though_the_tests_pass(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DOCKWISE_SKIP_CHECKS", "PYTHON")}
    root = checkout(tmp_path)
    fake_venv(root)
    r = subprocess.run(["bash", str(root / "scripts" / "test")], env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout and "All checks passed!" in r.stdout and "0 errors, 0 warnings" in r.stdout

    (root / "server" / "syntax" / "model.py").write_text("class Span:\n    start: int = None\n")
    r = subprocess.run(["bash", str(root / "scripts" / "test")], env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 passed" in r.stdout  # the tests ran, and passed
    assert "server/syntax/model.py:2:18 - error" in r.stdout
    assert "FAILED: ruff or pyright reported problems" in r.stderr

    # a local run may leave the checks out, and says so; CI may not
    r = subprocess.run(["bash", str(root / "scripts" / "test")], env={**env, "DOCKWISE_SKIP_CHECKS": "1"},
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0 and "ruff and pyright not run (DOCKWISE_SKIP_CHECKS is set)" in r.stderr
    r = subprocess.run(["bash", str(root / "scripts" / "test")],
                       env={**env, "DOCKWISE_SKIP_CHECKS": "1", "CI": "1"},
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 1 and "FAILED: ruff or pyright" in r.stderr
