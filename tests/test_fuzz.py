"""Fuzzing in CI (issue 12, "Proven, not hoped"): more than 100,000 generated
inputs per run across parse, lint, fix, format and every engine call an LSP
request reaches, plus large structured inputs. Nothing may raise (parser
internal errors and rules' DW999 count as raising), exceed 1 GiB, or take
more than linear time.

* seeded bulk inputs (``fuzz_util.random_dockerfile``: real keywords and shell
  words mixed with CRs, Unicode blanks, escapes, heredocs, directives,
  pragmas, lone surrogates), each layer with its own budget;
* hypothesis, derandomized (the same examples every run): Dockerfile-ish text,
  arbitrary bytes decoded as the CLI and the editor would, keystroke edits;
* structured large inputs (``fuzz_util.STRUCTURED``: deep ``$(``/``${``/quote/
  subshell/heredoc nesting, long lines and words, huge continuations, mixed
  line endings, deep FROM chains, thousands of variables, pragmas, flags,
  invalid UTF-8) in a child process capped at 2 GiB of address space: per
  layer the operation count (``opcount.ops``) and the traced peak memory at
  1× and 4× the size must grow at most ~linearly (generous margins), and the
  child's peak RSS stays under 1 GiB.

Every failure is reported with the seed or the input that reproduces it.
The budgets are constants below; ``test_budget`` checks they add up.
"""
from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fuzz_util import (
    STRUCTURED,
    Defect,
    LintCache,
    do_editor,
    do_fix,
    do_fix_all,
    do_format,
    do_incremental,
    do_lint,
    do_parse,
    exercise,
    mutate,
    random_dockerfile,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.editor import navigation
from dockwise.lint.discover import SourceError, decode_source
from dockwise.lint.engine import DEFAULT_SETTINGS, lint_model

HERE = Path(__file__).resolve().parent
GIB = 1 << 30

# inputs per run, per layer (see test_budget)
BULK = {"parse": 55_000, "lint": 10_000, "format": 20_000, "fix": 3_000, "editor": 3_000, "incremental": 1_200}
INCREMENTAL_EDITS = 3  # versions after the first, per incremental input
HYPOTHESIS = {"text": 1_500, "bytes": 1_500, "files": 800, "edits": 400}
CLI_FILES = 150
MAX_FAILURES_SHOWN = 5

_HSET = settings(deadline=None, derandomize=True, database=None,  # the parent of each test's settings
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def _strict_navigation(monkeypatch):
    monkeypatch.setattr(navigation, "STRICT", True)  # internal errors raise instead of degrading


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run_bulk(layer: str, fn) -> None:
    """``fn(text, rng)`` on BULK[layer] seeded inputs; collects failures."""
    failures: dict[str, tuple[int, str, str]] = {}
    n = BULK[layer]
    seed0 = {"parse": 0, "lint": 10**6, "format": 2 * 10**6, "fix": 3 * 10**6, "editor": 4 * 10**6,
             "incremental": 5 * 10**6}[layer]
    for seed in range(seed0, seed0 + n):
        rng = random.Random(seed)
        text = random_dockerfile(rng)
        try:
            fn(text, rng)
        except Exception as exc:  # noqa: BLE001 - every defect is collected and reported
            key = f"{type(exc).__name__}: {str(exc)[:160]}"
            failures.setdefault(key, (seed, text, key))
    rss = _peak_rss()
    print(f"fuzz {layer}: {n} inputs, {len(failures)} distinct failures, peak RSS {rss / 2**20:.0f} MiB")
    shown = "\n".join(f"seed {s}: {k}\n  input: {t!r}" for s, t, k in list(failures.values())[:MAX_FAILURES_SHOWN])
    assert not failures, f"{len(failures)} distinct failures in {layer}:\n{shown}"
    assert rss < GIB


def test_bulk_parse():
    _run_bulk("parse", lambda text, rng: do_parse(text))


def test_bulk_lint():
    _run_bulk("lint", lambda text, rng: do_lint(do_parse(text)))


def test_bulk_format():
    _run_bulk("format", lambda text, rng: do_format(do_parse(text), rng))


def test_bulk_fix():
    _run_bulk("fix", lambda text, rng: do_fix(text, unsafe=rng.random() < 0.4))


def test_bulk_editor_features():
    def run(text, rng):
        df = do_parse(text)
        vs = do_lint(df)
        do_editor(df, vs, rng, 3)
        if rng.random() < 0.2:
            do_fix_all(df, vs, rng)

    _run_bulk("editor", run)


def test_bulk_incremental_edits():
    """``didChange``: re-parse with the previous model, re-lint with the
    document's cache; the result equals a fresh lint."""
    def run(text, rng):
        df = do_parse(text)
        cache = LintCache()
        lint_model(df, DEFAULT_SETTINGS, cache=cache)
        for _ in range(INCREMENTAL_EDITS):
            text = mutate(text, rng)
            df = do_incremental(df, text, cache)

    _run_bulk("incremental", run)


# -- hypothesis ---------------------------------------------------------------------------------

_PIECES = ["FROM ", "RUN ", "run ", "COPY ", "ENV ", "ARG ", "ONBUILD ", "HEALTHCHECK ", "CMD ", "SHELL ",
           "LABEL ", "AS ", "a", "b=c", "$X", "${X:-y}", "$(", ")", "${", "}", "\"", "'", "`", "\\", "\n", "\r",
           "\r\n", " ", "\t", "#", "# escape=`\n", "# syntax=x\n", "<<EOF", "<<-EOF\n", "EOF\n", "[\"a\"]", "[",
           "--mount=type=cache,target=/x ", "--from=a ", "&&", "|", ";", "apt-get install -y ", "pip install ",
           "\ufeff", "\u00a0", "\x0b", "\udc80", "\x00", "é", "\U0001f600"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(_HSET, max_examples=HYPOTHESIS["text"])
@given(_texts, st.randoms(use_true_random=False))
def test_hypothesis_text_through_every_layer(text, rng):
    exercise(text, rng, editor_positions=2, fix=True)
    do_fix(text, unsafe=True)


@settings(_HSET, max_examples=HYPOTHESIS["bytes"])
@given(st.binary(max_size=200), st.randoms(use_true_random=False))
def test_hypothesis_bytes_as_the_cli_and_the_editor_read_them(data, rng):
    try:
        text = decode_source(data)  # the CLI: strict UTF-8 (BOM dropped) or a clean refusal
    except SourceError as exc:
        assert str(exc)  # a one-line reason, shown with the file name
        text = None
    if text is not None:
        exercise(text, rng, editor_positions=1, fix=True)
    # the editor and the corpus tools: whatever the bytes were, as text
    exercise(data.decode("utf-8", "surrogateescape"), rng, editor_positions=1, fix=False)
    exercise(data.decode("utf-8", "replace"), rng, editor_positions=1, fix=False)


@settings(_HSET, max_examples=HYPOTHESIS["files"])
@given(st.integers(0, 2**32 - 1))
def test_hypothesis_generated_files(seed):
    rng = random.Random(seed)
    exercise(random_dockerfile(rng, 24), rng, editor_positions=2, fix=True)


@settings(_HSET, max_examples=HYPOTHESIS["edits"])
@given(_texts, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 3), st.sampled_from(_PIECES)), max_size=6))
def test_hypothesis_keystrokes(text, edits):
    df = do_parse(text)
    cache = LintCache()
    lint_model(df, DEFAULT_SETTINGS, cache=cache)
    for at, cut, ins in edits:
        at = min(at, len(text))
        text = text[:at] + ins + text[at + cut:]
        df = do_incremental(df, text, cache)


# -- the CLI on odd files ----------------------------------------------------------------------------


def test_cli_on_odd_files(tmp_path, capsys):
    """``dockwise lint/format/fix`` on random bytes: a clean exit status and,
    for a file it cannot read, a message naming it — never a traceback."""
    from dockwise.cli.main import main

    rng = random.Random(99)
    for i in range(CLI_FILES):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
        if rng.random() < 0.6:
            raw = random_dockerfile(rng).encode("utf-8", "surrogateescape") + raw[: rng.randrange(4)]
        f = tmp_path / f"Dockerfile.{i}"
        f.write_bytes(raw)
        for argv in (["lint", "--no-fail", str(f)], ["format", "--diff", str(f)], ["fix", "--diff", str(f)],
                     ["parse", "--format", "json", str(f)]):
            code = main(argv)
            out = capsys.readouterr()
            assert code in (0, 1, 2), (argv, raw)
            assert "Traceback" not in out.err and "internal error" not in out.err, (argv, raw, out.err[-800:])
            if code == 2:
                assert str(f) in out.err, (argv, raw, out.err)


# -- structured large inputs ---------------------------------------------------------------------------

OPS_LIMIT = 6.4  # ops(4x) / ops(1x): linear gives ~4, quadratic ~16
MEM_LIMIT = 6.4  # traced peak memory, same
MEM_FLOOR = 4 << 20  # below 4 MiB at 4x, memory ratios are noise (and no threat)


@pytest.fixture(scope="module")
def structured() -> dict[str, dict]:
    """Every family in one child process (capped at 2 GiB of address space)."""
    env = dict(os.environ, PYTHONPATH=str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cp = subprocess.run([sys.executable, str(HERE / "fuzz_util.py"), *sorted(STRUCTURED)], capture_output=True,
                        text=True, timeout=1500, env=env, cwd=str(HERE.parent), stdin=subprocess.DEVNULL)
    got = {}
    for line in cp.stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            got[r["name"]] = r
    if cp.returncode != 0:  # the child died (killed, out of memory): what it did not report fails
        for name in STRUCTURED:
            got.setdefault(name, {"name": name, "error": f"worker exit {cp.returncode}: {cp.stderr[-2000:]}"})
    return got


@pytest.mark.parametrize("name", sorted(STRUCTURED))
def test_structured_input_stays_linear_and_bounded(name, structured):
    res: dict[str, Any] = structured.get(name) or {"error": "not reported by the worker"}
    assert res["error"] is None, f"{name}: {res['error']}\n{res.get('traceback', '')}"
    rss = res["maxrss_kib"] * 1024
    lines = [f"{name}: sizes {res['sizes']} chars, child peak RSS {rss / 2**20:.0f} MiB"]
    bad = []
    for stage, (a, b) in res["ops"].items():
        line = f"  {stage}: ops {a} -> {b} (x{b / a:.1f})"
        if b > OPS_LIMIT * a:
            bad.append(f"{stage}: ops x{b / a:.1f} for x4 input")
        if stage in res["mem"]:
            ma, mb = res["mem"][stage]
            line += f", traced peak {ma >> 10} -> {mb >> 10} KiB"
            if mb > MEM_FLOOR and mb > MEM_LIMIT * max(ma, 1):
                bad.append(f"{stage}: memory x{mb / max(ma, 1):.1f} for x4 input")
        lines.append(line)
    print("\n".join(lines))
    assert rss < GIB, f"{name}: peak RSS {rss / 2**20:.0f} MiB"
    assert not bad, f"{name}: " + "; ".join(bad) + "\n" + "\n".join(lines)


def test_budget():
    """The inputs each run generates, by the budgets above: at least 100,000."""
    total = sum(BULK.values()) + BULK["incremental"] * INCREMENTAL_EDITS + sum(HYPOTHESIS.values()) \
        + CLI_FILES * 4 + 2 * len(STRUCTURED)
    print(f"fuzz budget: {total} generated inputs per run")
    assert total >= 100_000


def test_defect_type_is_an_assertion():
    """Defects found by the drivers fail tests as assertions (with their input), not as errors."""
    assert issubclass(Defect, AssertionError)
