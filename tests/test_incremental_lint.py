"""Incremental linting gives exactly the fresh result.

The language server parses each new version with ``previous=`` (reusing
unchanged instructions) and lints with a per-document ``LintCache`` (reusing
the findings of per-instruction rules). Whatever the edits, the violations
(codes, severities, messages, spans, fixes, related locations) must equal a
fresh parse and lint of the same text.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise import rules
from dockwise.lint.engine import LintCache, LintSettings, lint_model
from dockwise.syntax.parser import parse

from corpus_util import corpus_dir, corpus_files

ALL = LintSettings.make(select=["ALL"])
SETTINGS = [LintSettings(), ALL]

BASE = [
    # stages, variables in scope, package managers, a fix that looks at the next RUN (DW002)
    """ARG PKGS="curl git"
FROM debian:12 AS build
ENV PIP_NO_CACHE_DIR=1
RUN apt-get update
RUN apt-get install $PKGS && pip install flask \\
    && cd /src && npm install left-pad
RUN yum install -y httpd && dnf install -y vim
COPY . /src
CMD python app.py

FROM build AS final
ARG EXTRA=jq
RUN apk add $EXTRA && zypper install -y less
RUN sudo apt install -y curl
ENTRYPOINT ./run.sh
HEALTHCHECK CMD curl -f http://localhost/
""",
    # Windows shell, ONBUILD RUN, exec form, heredoc
    """# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN cd C:\\app ; pip install requests
ONBUILD RUN apt-get install curl
FROM alpine:3.19
RUN ["sh", "-c", "apk add curl && cd /tmp"]
RUN <<EOF
apt-get update
apt-get install -y curl
EOF
RUN microdnf install tar
CMD ["sh"]
""",
    # CRLF line ends, comments inside continuations, pragmas
    "FROM ubuntu:22.04\r\n# hadolint ignore=DL3008\r\nRUN apt-get update && apt-get install -y curl\r\n"
    "RUN apt-get install -y \\\r\n# a comment\r\n    wget\r\nRUN pip install x\r\n",
]
SNIPPETS = [
    "RUN apt-get update", "RUN apt-get install -y curl", "ENV PIP_NO_CACHE_DIR=0", "ARG PKGS=wget",
    "FROM alpine AS build", "FROM build", 'SHELL ["cmd", "/S", "/C"]', "ONBUILD RUN pip install x",
    "RUN cd /x && sudo yum install y", "CMD run", "USER root", "COPY --from=build / /", "# escape=`",
    "RUN <<EOF", "EOF", "\\", "&& pip install y \\", "ENV http_proxy=http://p", "# dockwise: ignore=DL3008",
]
CHARS = list("ab $=&|;\\#\n\"'`-{}") + ["\r\n", "<<EOF", "RUN ", "FROM "]


@st.composite
def edits(draw) -> list[tuple]:
    """A list of edits, each applied to the text of the previous step."""
    out = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["char", "char", "delete", "line", "dropline"]))
        pos = draw(st.floats(0, 1))
        if kind == "char":
            out.append(("insert", pos, draw(st.sampled_from(CHARS))))
        elif kind == "delete":
            out.append(("delete", pos, draw(st.integers(1, 6))))
        elif kind == "line":
            out.append(("line", pos, draw(st.sampled_from(SNIPPETS))))
        else:
            out.append(("dropline", pos, 0))
    return out


def apply(text: str, edit: tuple) -> str:
    kind, pos, arg = edit
    if kind in ("line", "dropline"):
        lines = text.split("\n")
        i = min(int(pos * len(lines)), len(lines) - 1)
        if kind == "line":
            lines.insert(i, arg)
        elif len(lines) > 1:
            del lines[i]
        return "\n".join(lines)
    at = min(int(pos * (len(text) + 1)), len(text))
    if kind == "insert":
        return text[:at] + arg + text[at:]
    return text[:at] + text[at + arg:]


def first_difference(a, b, path: str = "df") -> str | None:
    """Where two models differ first (compared fields only)."""
    from dataclasses import fields, is_dataclass

    from dockwise.syntax.model import SourceMap

    # (an instruction whose positions move lazily is an instance of a subclass: compared as one)
    ta, tb = type(a), type(b)
    if (issubclass(ta, tb) or issubclass(tb, ta)) and is_dataclass(a) and is_dataclass(b):
        for f in fields(a):
            if f.compare:
                r = first_difference(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
                if r:
                    return r
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            r = first_difference(x, y, f"{path}[{i}]")
            if r:
                return r
        return None
    if isinstance(a, SourceMap) and isinstance(b, SourceMap):  # no __eq__: compare what it maps
        for k in ("_offs", "_lines", "_cols", "_end"):
            if getattr(a, k) != getattr(b, k):
                return f"{path}.{k}: {getattr(a, k)!r} != {getattr(b, k)!r}"
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def _views(df) -> list:
    from dockwise.syntax.commands import run_view

    return [[(c.name, c.span, c.name_span, [w.span for w in c.args], c.simple.span, c.wrappers)
             for c in run_view(i)] for i in df.instructions]


def check_sequence(text: str, steps: list[tuple], settings_: LintSettings, path: str | None = None) -> None:
    """Parse and lint incrementally as the server does; compare each version with a fresh lint."""
    prev = parse(text, path=path)
    cache = LintCache()
    assert lint_model(prev, settings_, cache=cache) == lint_model(parse(text, path=path), settings_)
    for step in steps:
        text = apply(text, step)
        # as the language server does: the previous model is never used again, so its
        # moved instructions are moved in place (the copying path is the parser's default)
        model = parse(text, path=path, previous=prev, discard_previous=True)
        got = lint_model(model, settings_, cache=cache)
        fresh = parse(text, path=path)
        # the reused (and moved) instructions equal a fresh parse, positions included
        diff = first_difference(model, fresh)
        assert diff is None, f"model after {step!r}: {diff}\n{text}"
        # the command views the lint used (kept, and moved with their RUN) equal fresh ones
        assert _views(model) == _views(fresh), f"command views after {step!r}:\n{text}"
        want = lint_model(fresh, settings_)
        assert got == want, f"after {step!r}:\n{text}"
        prev = model


def line_edits(text: str):
    """Every line edited a few ways: characters added in the middle and at the
    end, the line dropped, the line doubled."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        mid = len(line) // 2
        for new in ([line[:mid] + "x" + line[mid:]], [line + " 1"], [], [line, line]):
            yield "\n".join(lines[:i] + new + lines[i + 1:])


@pytest.mark.parametrize("base", range(len(BASE)))
def test_editing_any_line_matches_a_fresh_lint(base):
    """Systematic: declarations (FROM, ARG, ENV, SHELL, ONBUILD), RUNs and
    everything else, each edited on its own after a cached lint."""
    text = BASE[base]
    for which in SETTINGS:
        prev = parse(text)
        cache = LintCache()
        lint_model(prev, which, cache=cache)
        for edited in line_edits(text):
            model = parse(edited, previous=prev)
            assert lint_model(model, which, cache=cache) == lint_model(parse(edited), which), edited
            # and back: the cache now holds the edited version's findings
            back = parse(text, previous=model)
            assert lint_model(back, which, cache=cache) == lint_model(parse(text), which)
            prev = back


def test_cached_rules_exist_and_keep_their_whole_file_check():
    """The per-instruction rules are real (the cache is exercised) and their
    whole-file ``check`` still works on its own."""
    local = [r for r in rules.ALL_RULES if r.each is not None]
    assert {"DL3008", "DW002"} <= {r.code for r in local}
    df = parse(BASE[0])
    from dockwise.rules._api import Context

    found = [f for r in local for f in r.check(df, Context())]
    assert found, "the sample has findings of per-instruction rules"


def test_unchanged_instructions_keep_their_violation_objects():
    """What makes a keystroke cheap: findings of untouched instructions are reused, not recomputed."""
    text = BASE[0]
    cache = LintCache()
    first = lint_model(parse(text), cache=cache)
    edited = text.replace("RUN yum install -y httpd", "RUN yum install -y httpd2")
    second = lint_model(parse(edited, previous=parse(text)), cache=cache)
    pins = [v for v in first if v.code == "DL3008"]
    assert pins and all(any(v is w for w in second) for v in pins)
    assert second == lint_model(parse(edited))


@pytest.mark.parametrize("base", range(len(BASE)))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=edits(), which=st.sampled_from(SETTINGS))
def test_random_edits_match_a_fresh_lint(base, steps, which):
    check_sequence(BASE[base], steps, which)


def test_settings_change_between_versions():
    text = BASE[0]
    cache = LintCache()
    prev = parse(text)
    for s in (LintSettings(), ALL, LintSettings.make(ignore=["DL3008"]), LintSettings()):
        model = parse(text + "RUN apt-get install z\n", previous=prev)
        assert lint_model(model, s, cache=cache) == lint_model(parse(text + "RUN apt-get install z\n"), s)
        prev = model


def test_a_failing_rule_is_one_internal_error_with_or_without_cache(monkeypatch):
    from dockwise.rules import dl3008_apt_pin

    rule = dl3008_apt_pin.apt_pin
    real = rule.each
    assert real is not None, "DL3008 is a per-instruction rule"

    def flaky(df, ins, ctx):
        if "boom" in ins.text:
            raise ValueError("kaput")
        return real(df, ins, ctx)

    def check(df, ctx):
        return [f for ins in df.instructions if ins.effective.keyword == "RUN" for f in flaky(df, ins, ctx)]

    broken = type(rule)(rule.meta, check, flaky, rule.scope, rule.keywords)
    monkeypatch.setattr(rules, "ALL_RULES", tuple(broken if r is rule else r for r in rules.ALL_RULES))
    from dockwise.lint import engine

    engine._plan.cache_clear()
    try:
        text = BASE[0]
        cache = LintCache()
        lint_model(parse(text), cache=cache)
        bad = text + "RUN apt-get install boom\n"
        got = lint_model(parse(bad), cache=cache)
        assert [v.code for v in got].count("DW999") == 1 and not any(v.code == "DL3008" for v in got)
        got = lint_model(parse(text), cache=cache)  # the failure leaves no incomplete entries behind
        assert got == lint_model(parse(text))
        assert any(v.code == "DL3008" for v in got)
    finally:
        engine._plan.cache_clear()


def _corpus_sample(n: int) -> list:
    root = corpus_dir()
    if root is None:
        return []
    files = []
    for p in corpus_files(root):  # the files this test can edit as text
        try:
            p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        files.append(p)
    return random.Random(7).sample(files, min(n, len(files)))


CORPUS = _corpus_sample(25)


@pytest.mark.parametrize("path", CORPUS or [None], ids=lambda p: p.name if p else "no-corpus")
def test_random_edits_on_real_files(path):
    if path is None:
        from need import missing

        missing("../shared/corpus", "no corpus (set DOCKWISE_CORPUS or provide ../shared/corpus/real)")
    text = path.read_text(encoding="utf-8")
    rng = random.Random(path.name)
    for which in SETTINGS:
        steps = []
        for _ in range(15):
            kind = rng.choice(["insert", "insert", "delete", "line", "dropline"])
            arg = {"insert": rng.choice(CHARS), "delete": rng.randint(1, 4), "line": rng.choice(SNIPPETS),
                   "dropline": 0}[kind]
            steps.append((kind, rng.random(), arg))
        check_sequence(text, steps, which, path=str(path))
