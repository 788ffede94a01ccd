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
from dockwise.rules import shellcheck
from dockwise.syntax.parser import parse

from corpus_util import corpus_dir, corpus_files

ALL = LintSettings.make(select=["ALL"])
# a build for one target with build args: which stages are built, and what FROM ${BASE} means
TARGETED = LintSettings.make(select=["ALL"], build={"target": "final", "args": {"BASE": "build", "V": "2"}})
SETTINGS = [LintSettings(), ALL, TARGETED]

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
    # what the per-stage BuildKit checks and the stage graph read from other stages: global
    # ARGs, stage names (casing, duplicates, reserved), the keyword casing majority, parents
    # by name and by a build arg, COPY --from / RUN --mount=from, ONBUILD in a parent,
    # comments above FROM and ARG (definition descriptions), pragmas
    """# check=skip=JSONArgsRecommended
ARG BASE=debian:12
# V the version
ARG V=1 SECRET_TOKEN
FROM ${BASE} AS Build
ONBUILD ENV FROM_PARENT=1
ENV TOOL=$V
WORKDIR src
RUN echo $TOOL $UNDEF
EXPOSE 80/TCP 127.0.0.1:81:81
CMD run
CMD again
# the tests
from build as test
copy --from=build /src /src
run --mount=type=cache,from=0,target=/c echo $FROM_PARENT
FROM scratch AS context
COPY --from=Build / /
FROM --platform=linux/arm64 alpine:3.19 AS build
# dockwise: ignore=DW111
RUN echo ${NOPE}
FROM ${BASE} AS final
ENV password=x
COPY --from=test /src /app
RUN echo $MISSING
EXPOSE 90/Udp
ENTRYPOINT ./run
""",
]
SNIPPETS = [
    "RUN apt-get update", "RUN apt-get install -y curl", "ENV PIP_NO_CACHE_DIR=0", "ARG PKGS=wget",
    "FROM alpine AS build", "FROM build", 'SHELL ["cmd", "/S", "/C"]', "ONBUILD RUN pip install x",
    "RUN cd /x && sudo yum install y", "CMD run", "USER root", "COPY --from=build / /", "# escape=`",
    "RUN <<EOF", "EOF", "\\", "&& pip install y \\", "ENV http_proxy=http://p", "# dockwise: ignore=DL3008",
    "FROM ${BASE} AS Final", "from build as test", "COPY --from=test / /", "RUN --mount=from=1 echo",
    "ARG BASE=alpine:3.19", "ARG BASE=build", "# BASE the base", "# check=skip=all", "FROM scratch AS final",
    "EXPOSE 8080/UDP", "WORKDIR rel", "ENV A=$UNSET", "# hadolint ignore=DW131", "FROM test",
    # rules that count over the whole file: ONBUILD curl/wget (DL4001), names defined before (DL3044)
    "ONBUILD RUN wget -q x", "ONBUILD RUN curl -o y z", "RUN curl -fsS u", "ENV B=$A A=1", "ARG A",
    "USER root", "USER app", "MAINTAINER me", "HEALTHCHECK NONE", "CMD b",
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
        # ShellCheck's scripts: the stages the parser took over keep theirs (placed anew)
        assert _scripts(shellcheck.scripts_of(model)) == _scripts(shellcheck._scripts_plain(fresh)), \
            f"ShellCheck scripts after {step!r}:\n{text}"
        prev = model


def _scripts(scripts) -> list:
    """What ShellCheck reads and where its last line's findings go."""
    return [(s.text, s.pieces, s.heredoc, s.ins.index, s.span(s.text.count("\n") + 1, 1, s.text.count("\n") + 1, 2))
            for s in scripts]


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


def test_dockerignore_edits_and_changes_of_the_ignore_file(tmp_path):
    """CopyIgnoredFile (per stage, cached) follows edits of the COPY lines and of the
    .dockerignore file itself between two versions of the same text."""
    ignore = tmp_path / ".dockerignore"
    ignore.write_text("secret*\n")
    path = str(tmp_path / "Dockerfile")
    text = BASE[3] + "COPY secret.txt notes.md /s/\n"
    rng = random.Random(11)
    for which in (LintSettings(), TARGETED):
        steps = []
        for _ in range(25):
            kind = rng.choice(["insert", "delete", "line", "line", "dropline"])
            arg = {"insert": rng.choice(CHARS), "delete": rng.randint(1, 4),
                   "line": rng.choice(SNIPPETS + ["COPY secret.key /k", "ADD notes.md secret2 /x/"]),
                   "dropline": 0}[kind]
            steps.append((kind, rng.random(), arg))
        check_sequence(text, steps, which, path=path)
    cache = LintCache()
    prev = parse(text, path=path)
    first = lint_model(prev, ALL, cache=cache)
    assert any(v.code == "DW119" for v in first), "the sample copies an ignored file"
    for content in ("notes*\nsecret*\n", "", "other\n"):
        ignore.write_text(content)
        model = parse(text, path=path, previous=prev, discard_previous=True)
        got = lint_model(model, ALL, cache=cache)
        assert got == lint_model(parse(text, path=path), ALL), content
        prev = model
    assert not any(v.code == "DW119" for v in got)


def test_buildkit_checks_are_per_stage_and_reused():
    """The BuildKit checks run per stage: an edit in one stage leaves the other
    stages' findings as they were (the same objects), and Enter above a stage
    moves them without running the checks again."""
    text = BASE[3]
    cache = LintCache()
    prev = parse(text)
    first = lint_model(prev, ALL, cache=cache)
    bk = [v for v in first if v.code in ("DW111", "DW104", "DW112", "DW121", "DW122", "DW116")]
    assert {v.code for v in bk} >= {"DW111", "DW104", "DW112", "DW121"}
    last_from = text.rindex("FROM ${BASE} AS final")
    edited = text[:last_from] + text[last_from:].replace("./run", "./run2")
    model = parse(edited, previous=prev, discard_previous=True)
    second = lint_model(model, ALL, cache=cache)
    assert second == lint_model(parse(edited), ALL)
    final_line = edited[:last_from].count("\n")
    kept = [v for v in bk if v.span.start.line < final_line]
    assert kept and all(any(v is w for w in second) for v in kept)
    # Enter at the end of the second stage: the stages after it move one line down
    lines = edited.split("\n")
    at = lines.index("FROM scratch AS context")
    moved_text = "\n".join(lines[:at] + [""] + lines[at:])
    moved = parse(moved_text, previous=model, discard_previous=True)
    third = lint_model(moved, ALL, cache=cache)
    assert third == lint_model(parse(moved_text), ALL)
    later = [v for v in third if v.code in ("DW111", "DW121") and v.span.start.line > at]
    assert {v.code for v in later} == {"DW121"}
    assert all(cache.moved_from(v) is not None for v in later)


def test_a_fix_title_naming_a_line_follows_its_stage_when_lines_move():
    """DW002's fix title names the line of the RUN it merges into: when Enter above
    moves the stage, the finding is moved and its title names the new line."""
    text = "FROM alpine AS a\nRUN echo a\n\nFROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"
    cache = LintCache()
    prev = parse(text)
    first = [v for v in lint_model(prev, cache=cache) if v.code == "DW002"]
    assert first and first[0].fix is not None and first[0].fix.title.endswith("(line 6)")
    for k in range(3):
        text = text.replace("RUN echo a\n", "RUN echo a\n\n", 1)
        model = parse(text, previous=prev, discard_previous=True)
        got = lint_model(model, cache=cache)
        assert got == lint_model(parse(text))
        fix = next(v for v in got if v.code == "DW002").fix
        assert fix is not None
        title = fix.title
        assert title.endswith(f"(line {7 + k})"), title
        prev = model


def test_moved_violations_equal_the_violation_they_stand_for():
    """Findings moved by the cache compute their positions when read; they equal
    (and hash like) the Violation with those positions, also when moved again,
    and when moved with another first fixed line (the LSP layer's keys)."""
    from dockwise.lint.engine import Violation, moved_violation
    from dockwise.rules._api import Edit, Fix, Severity
    from dockwise.syntax.model import Pos, Span

    def sp(a: int, b: int) -> Span:
        return Span(Pos(a, 1), Pos(b, 2))

    def vio(a: int, b: int, r: int, before: int = 2) -> Violation:
        fix = Fix.safe("t", Edit(sp(a, a), "x"), Edit(sp(b, b), "y"))
        return Violation("DL3008", "n", Severity.INFO, "m", sp(a, b), fix, ((sp(r, r), "there"), (sp(before, before), "top")))

    v = vio(5, 6, 9)
    once = moved_violation(v, 3, 4)  # line 2 is before the first stage: it stays
    assert once == vio(8, 9, 12) and vio(8, 9, 12) == once and hash(once) == hash(vio(8, 9, 12))
    twice = moved_violation(once, -2, 4)
    assert twice == vio(6, 7, 10) and [twice] == [vio(6, 7, 10)]
    assert twice.line == 7 and "line=6" in repr(twice)
    to_top = moved_violation(once, -8, 0)  # every line moves, as for the LSP layer's keys
    assert to_top == Violation("DL3008", "n", Severity.INFO, "m", sp(0, 1),
                               Fix.safe("t", Edit(sp(0, 0), "x"), Edit(sp(1, 1), "y")),
                               ((sp(4, 4), "there"), (sp(-6, -6), "top")))


@pytest.mark.parametrize("which", [LintSettings(), ALL], ids=["default", "all"])
def test_enter_leaves_later_instructions_unmoved(which):
    """Enter near the top moves every later instruction one line down; the parser
    moves them lazily, and linting must not read the positions of instructions it
    has cached findings for (the stage graph, DL3022 and DL3044 read flags, FROM
    words and ENV keys by source instead; ShellCheck's script list reads script
    texts without moving them): after the lint nearly all stay unmoved, with every
    rule on and a ShellCheck results function (scripts pending, as in the editor
    before ShellCheck answers). The findings equal a fresh lint's."""
    from dockwise.syntax.model import _Moving

    def pending(scripts):
        return [None] * len(scripts)

    text = "ARG BASE=debian:12-slim\n" + "".join(
        f"FROM ${{BASE}} AS s{i}\nENV A{i}=1 B=2\nCOPY . /app{i}\n"
        f"RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
        f"COPY --from=s0 /x /y{i}\nWORKDIR /app{i}\n"
        for i in range(40)
    )
    m = parse(text)
    cache = LintCache()
    lint_model(m, which, cache=cache, shellcheck=pending)
    lines = text.split("\n")
    lines.insert(2, "")
    new = "\n".join(lines)
    m2 = parse(new, previous=m, discard_previous=True)
    got = lint_model(m2, which, cache=cache, shellcheck=pending)
    unmoved = sum(type(i) is _Moving for i in m2.instructions)  # type() does not move it
    assert unmoved > 0.9 * len(m2.instructions), (unmoved, len(m2.instructions))
    assert got == lint_model(parse(new), which, shellcheck=pending)


def test_shellcheck_scripts_of_untouched_stages_are_kept():
    """Typing in one stage re-makes the ShellCheck scripts of that stage only (and
    of the stages built FROM it); the others are the very objects of the last version."""
    text = "".join(f"FROM debian:12 AS s{i}\nENV A{i}=1\nRUN echo {i} && true\nRUN cat <<EOF | sh\nx\nEOF\n"
                   for i in range(6))
    m = parse(text)
    before = shellcheck.scripts_of(m)
    lines = text.split("\n")
    k = lines.index("RUN echo 3 && true")
    lines[k] += " x"
    m2 = parse("\n".join(lines), previous=m, discard_previous=True)
    after = shellcheck.scripts_of(m2)
    assert len(after) == len(before) == 12
    kept = [a is b for a, b in zip(after, before)]
    assert kept == [True] * 6 + [False] * 2 + [True] * 4, kept
    assert "echo 3 && true x" in after[6].text
    assert _scripts(after) == _scripts(shellcheck._scripts_plain(parse("\n".join(lines))))


def test_memos_keyed_by_instruction_go_with_the_document():
    """The facts remembered per instruction object (by_source) and ShellCheck's
    scripts per stage do not keep a closed document's instructions alive."""
    import gc
    import weakref

    from dockwise.syntax import model as model_mod

    text = "".join(f"FROM debian:12 AS s{i}\nCOPY --from=s0 /a /b\nRUN echo {i}\n" for i in range(5))
    m = parse(text)
    lint_model(m, ALL)
    shellcheck.scripts_of(m)
    refs = [weakref.ref(i) for i in m.instructions]
    ids = {id(i) for i in m.instructions}
    assert ids & set(model_mod._BY_OBJECT) and ids & set(shellcheck._STAGES)
    del m
    gc.collect()
    assert all(r() is None for r in refs)
    assert not ids & set(model_mod._BY_OBJECT) and not ids & set(shellcheck._STAGES)
