"""The wheel and a plain install carry both packages (dockwise, dockwise.rules)."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_and_imports_both_packages(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True, timeout=300, capture_output=True,
    )
    (whl,) = tmp_path.glob("dockwise-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    modules = {p.stem for p in (ROOT / "server").glob("*.py")}
    rule_modules = {p.stem for p in (ROOT / "rules").glob("*.py")}
    assert {n[len("dockwise/"):-3] for n in names if n.startswith("dockwise/") and n.count("/") == 1 and n.endswith(".py")} == modules
    assert {n[len("dockwise/rules/"):-3] for n in names if n.startswith("dockwise/rules/") and n.endswith(".py")} == rule_modules
    assert not any(n.startswith(("tests/", "bench/")) for n in names)
    data = {p.name for p in (ROOT / "server" / "images" / "data").glob("*.json")}
    assert data and {n.rsplit("/", 1)[1] for n in names if n.startswith("dockwise/images/data/")} >= data
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(whl)],
        check=True, timeout=300, capture_output=True,
    )
    code = (
        "import dockwise, dockwise.rules, dockwise.cli.main, dockwise.lsp.server;"
        "from dockwise.lint.engine import lint_text;"
        "print(dockwise.__file__);"
        "print(sorted({v.code for v in lint_text('FROM ubuntu\\n').violations}))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first.startswith(str(target))
    assert second == "['DL3006']"
