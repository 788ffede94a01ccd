"""Smoke test of the benchmark (``bench/run.py --quick``): it runs and reports
every figure. It checks that the benchmark works, never how fast anything is."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# figure -> metrics that must be numbers
REQUIRED = {
    "lint_throughput": [
        "files", "bytes", "wall_s_median", "files_per_s", "mb_per_s", "wall_s_jobs1", "violations",
        "wall_s_median_without_shellcheck", "sc_findings",
        "inproc_files", "inproc_p50_ms", "inproc_p95_ms", "inproc_max_ms",
        "parser_internal_errors", "lint_exceptions", "rule_internal_errors",
    ],
    "lsp_startup": ["runs", "median_ms", "min_ms", "max_ms", "first_diag_median_ms"],
    "did_change_latency": [
        "keystrokes", "p50_ms", "p95_ms", "max_ms", "enters", "enter_p50_ms", "enter_p95_ms", "final_state_matches",
    ],
    "peak_rss": ["files_opened", "vmhwm_mib", "vmrss_mib", "open_p50_ms", "open_p95_ms", "internal_error_documents"],
    "dockerfile_parse": ["files", "heredoc_files", "compared", "agree", "disagree"],
}
OPEN_SIZES = ("10", "100", "1000", "5000")
OPEN_METRICS = ("median_ms", "min_ms", "max_ms", "opens")


def is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def test_bench_quick(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    cp = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--no-hadolint",
         "--corpus", str(REPO / "tests" / "fixtures" / "buildkit-parser"), "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert cp.returncode == 0, cp.stderr[-4000:]
    assert "| Figure |" in cp.stdout

    res = json.loads(out.read_text(encoding="utf-8"))
    figures = res["figures"]
    for fig, keys in REQUIRED.items():
        assert fig in figures, fig
        for k in keys:
            assert is_number(figures[fig].get(k)), (fig, k, figures[fig].get(k))
    assert figures["hadolint"] == {"skipped": True, "reason": "--quick"}
    sizes = figures["did_open_latency"]["sizes"]
    assert set(sizes) == set(OPEN_SIZES)
    for size in OPEN_SIZES:
        for k in OPEN_METRICS:
            assert is_number(sizes[size][k]), (size, k)

    lint = figures["lint_throughput"]
    assert lint["files"] > 0 and lint["inproc_files"] == lint["files"]
    assert lint["parser_internal_errors"] == 0, lint["internal_error_files"]
    assert lint["lint_exceptions"] == 0, lint["internal_error_files"]
    assert lint["rule_internal_errors"] == 0, lint["internal_error_files"]
    assert lint["exit_status"] == 0
    assert figures["peak_rss"]["internal_error_documents"] == 0
    assert figures["peak_rss"]["files_opened"] == lint["files"]
    assert figures["did_change_latency"]["final_state_matches"] == 1
    cross = figures["dockerfile_parse"]
    assert cross["agree"] + cross["disagree"] == cross["compared"]
    assert (tmp_path / "dockerfile-parse-disagreements.md").is_file()
    assert (tmp_path / "bench.md").is_file()
    shipped = figures["as_shipped"]  # figure 8: dockwise as shipped (rcjsuen's server beside it when installed)
    for k in ("typing_p95_ms", "enter_p95_ms", "init_ms", "open_ms", "first_ms", "rss_mib"):
        assert is_number(shipped["dockwise"][k]), k
    assert shipped["dockwise"]["first_ms"] >= shipped["dockwise"]["init_ms"]
    assert shipped["workspace_symbol"]["documents_open"] == lint["files"]
    assert is_number(shipped["workspace_symbol"]["worst_ms"])
    after = shipped["after_the_pause"]  # the language server up (editlat's runs never pause)
    for k in ("during_import_ms", "during_creation_ms", "typing_p95_ms", "enter_p95_ms", "rss_mib"):
        assert is_number(after[k]), k
    assert shipped["dockwise"]["rss_mib"] >= after["rss_mib"]
    assert "### 8 As shipped" in cp.stdout and "starts the import of its modules waited" in cp.stdout


def test_the_other_bench_scripts_start():
    """bench/properties.py, bench/mutation.py, bench/registry_timing.py,
    bench/lintkeys.py and bench/outliers.py parse their options (running them is
    the benchmark's job, not the suite's)."""
    for script in ("properties.py", "mutation.py", "registry_timing.py", "lintkeys.py", "outliers.py"):
        cp = subprocess.run([sys.executable, str(REPO / "bench" / script), "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert cp.returncode == 0 and "usage:" in cp.stdout, (script, cp.stderr[-2000:])


def test_hostile_registry_bench_runs(tmp_path: Path) -> None:
    """``bench/hostile_registry.py`` runs its scenarios and reports each one's
    figures (whether the targets are met is the benchmark's business)."""
    out = tmp_path / "hostile.json"
    cp = subprocess.run(
        [sys.executable, str(REPO / "bench" / "hostile_registry.py"), "--only",
         "redirect-endless-body,deep-json,forged-token-realm", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert cp.returncode in (0, 1), cp.stderr[-2000:]
    rows = {r["name"]: r for r in json.loads(out.read_text())}
    assert set(rows) == {"redirect-endless-body", "deep-json", "forged-token-realm"}
    for r in rows.values():
        assert is_number(r["elapsed"]) and is_number(r["rss_mb"]) and r["rss_mb"] > 0, r
    assert rows["redirect-endless-body"]["client_closed"] is True
    assert rows["forged-token-realm"]["secret_requests"] == 0


def test_bench_shellcheck_smoke(tmp_path: Path) -> None:
    """``bench/shellcheck.py`` (ShellCheck: time beside hadolint's, agreement)
    runs on a small corpus and reports both parts; skipped without the
    binaries it compares."""
    import pytest

    sys.path.insert(0, str(REPO / "tests"))
    import hadolint_corpus as hc

    from dockwise.lint.shellcheck import find_binary

    if find_binary() is None or hc.hadolint_exe() is None:
        pytest.skip("shellcheck or hadolint not installed (both are in .[test])")
    out = tmp_path / "sc.md"
    cp = subprocess.run(
        [sys.executable, str(REPO / "bench" / "shellcheck.py"), "--runs", "1",
         "--corpus", str(REPO / "tests" / "fixtures" / "buildkit-parser"), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )
    assert cp.returncode == 0, cp.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    assert "| hadolint 2.15.1 (ShellCheck built in) |" in text and "dockwise with ShellCheck / hadolint:" in text
    assert "| dockwise --ignore shellcheck |" in text and "hadolint's view (one per instruction)" in text
    res = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    for k in ("hadolint_wall_s", "dockwise_with_wall_s", "dockwise_without_wall_s", "ratio_wall", "ratio_cpu"):
        assert is_number(res["timing"][k]), k
