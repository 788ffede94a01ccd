"""hadolint's own spec cases (``cases.json``, made by ``extract.py``) run on dockwise.

Each case is one assertion of hadolint 2.15.1's ``test/Hadolint/Rule/DL*Spec.hs``
with the Dockerfile text as hadolint's test helper lints it ("raw": fragments
without ``FROM`` included). dockwise lints that text with every rule selected
(hadolint's tests see rules that are off by default too) and the spec's
configuration turned into rule options by :func:`dockwise.lint.config.hadolint_rule_options`;
then the number of findings of the code is compared with what the spec expects.

hadolint reports a rule at most once per instruction (on its first line);
dockwise may report several findings on one instruction (one per unpinned
package, say), so findings count once per instruction they start in.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases.json"
DIFFERENCES = HERE / "differences.json"


@lru_cache(maxsize=1)
def load() -> dict:
    return json.loads(CASES.read_text())


def cases() -> list[dict]:
    return load()["cases"]


def key(case: dict) -> str:
    """A stable name: spec file and line of the assertion."""
    return f"{case['spec'].rsplit('/', 1)[-1]}:{case['line']}"


def differences() -> dict[str, str]:
    """The known disagreements: case key → one-line reason."""
    data = json.loads(DIFFERENCES.read_text())
    return {d["case"]: d["reason"] for d in data["differences"]}


def is_rule_case(case: dict) -> bool:
    """False for the one upstream test whose 'code' is Dockerfile text
    (DL3045Spec.hs line 35 passes the text as the code: it cannot fail)."""
    code = case["code"]
    return isinstance(code, str) and code.startswith("DL") and code[2:].isdigit()


def wrap_onbuild(text: str) -> str:
    """hadolint's ``assertOnBuildChecks``: every RUN instruction becomes ``ONBUILD RUN``."""
    from dockwise.syntax.parser import parse

    df = parse(text)
    lines = text.split("\n")
    for ins in sorted(df.instructions, key=lambda i: i.keyword_span.start, reverse=True):
        if ins.keyword == "RUN":
            p = ins.keyword_span.start
            ln = lines[p.line]
            lines[p.line] = ln[: p.col] + "ONBUILD " + ln[p.col:]
    return "\n".join(lines)


def findings(case: dict) -> int:
    """How many instructions dockwise reports the case's code on."""
    from dockwise.lint.config import hadolint_rule_options
    from dockwise.lint.engine import lint_text

    cfg = case["config"]
    options = hadolint_rule_options(cfg.get("trusted-registries"), cfg.get("label-schema"), cfg.get("strict-labels"))
    settings = _settings(json.dumps(options, sort_keys=True))
    text = case["dockerfile"]
    if case["assert"].startswith("onbuild"):
        text = wrap_onbuild(text)
    res = lint_text(text, settings)
    starts = {}
    for ins in res.model.instructions:
        for ln in range(ins.start_line, ins.end_line + 1):
            starts.setdefault(ln, ins.start_line)
    return len({(starts.get(v.span.start.line, v.span.start.line), v.message if v.code in _PER_MESSAGE else "")
                for v in res.violations if v.code == case["code"]})


# rules hadolint reports once per (instruction, message): one finding per label and stage
_PER_MESSAGE = frozenset({"DL3049"})


@lru_cache(maxsize=16)
def _settings(options_json: str):
    from dockwise.lint.engine import LintSettings

    return LintSettings.make(select=["ALL"], options=json.loads(options_json))


def expected(case: dict, n: int) -> bool:
    """Whether ``n`` findings satisfy the case's assertion (hadolint's Helpers.hs)."""
    kind = case["assert"]
    if kind == "catches":
        return n >= 1
    if kind in ("catches_not", "onbuild_catches_not"):
        return n == 0
    if kind == "onbuild_catches":
        return n == 1
    return n == case["count"]  # fails_with / onbuild_fails_with
