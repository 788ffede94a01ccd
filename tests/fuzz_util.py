"""The fuzz harness (issue 12, "Proven, not hoped"): generators of odd
Dockerfiles and one function per layer that drives it as the CLI and the
language server do. ``tests/test_fuzz.py`` runs them; ``python
tests/fuzz_util.py`` is the worker it starts for the large inputs (own
process: its peak memory is measured alone and capped).

Every driver raises on a defect: an exception, a parser "internal error", a
rule's DW999 internal error, a fix that adds a syntax error, a formatter that
is not idempotent. Nothing from the input is executed.
"""
from __future__ import annotations

import random
import sys
from typing import Any, Callable

from dockwise.editor import actions, completion, formatting, hover, navigation, signature
from dockwise.lint.engine import DEFAULT_SETTINGS, LintCache, LintSettings, lint_model
from dockwise.lint.fixes import apply_edits, fix_text, syntax_errors
from dockwise.lint.report import FileReport, format_json, format_sarif, format_tty
from dockwise.syntax.model import Dockerfile, Pos, Span
from dockwise.syntax.parser import dump_buildkit, dump_json, parse

# every rule, also those off by default
EVERY_RULE = LintSettings.make(select=["ALL"])


# -- drivers -------------------------------------------------------------------------------------


class Defect(AssertionError):
    pass


def check_model(df: Dockerfile) -> None:
    bad = [e.message for e in df.errors if e.message.startswith("internal parser error")]
    if bad:
        raise Defect(f"parser: {bad[0]}")


def check_violations(vs) -> None:
    bad = [v.message for v in vs if v.code == "DW999"]
    if bad:
        raise Defect(f"lint: {bad[0]}")


def do_parse(text: str) -> Dockerfile:
    """``dockwise parse`` (both output formats) and the server's model."""
    df = parse(text, path="Dockerfile")
    check_model(df)
    dump_buildkit(df)
    dump_json(df)
    return df


def do_lint(df: Dockerfile, settings: LintSettings = EVERY_RULE) -> list:
    """``dockwise lint`` and the server's diagnostics (every report format)."""
    vs = lint_model(df, settings)
    check_violations(vs)
    rep = [FileReport("Dockerfile", vs, df.lines)]
    format_tty(rep)
    format_json(rep)
    format_sarif(rep)
    return vs


def do_incremental(old: Dockerfile, new_text: str, cache: LintCache) -> Dockerfile:
    """``didChange``: the server re-parses with the previous model and re-lints
    with the document's cache; the result must equal a fresh lint."""
    df = parse(new_text, path="Dockerfile", previous=old)
    check_model(df)
    got = lint_model(df, DEFAULT_SETTINGS, cache=cache)
    check_violations(got)
    fresh = lint_model(parse(new_text, path="Dockerfile"), DEFAULT_SETTINGS)
    key = lambda v: (v.span.start, v.span.end, v.code, v.message)  # noqa: E731
    if sorted(map(key, got)) != sorted(map(key, fresh)):
        raise Defect("incremental lint differs from a fresh lint")
    return df


def do_fix(text: str, unsafe: bool = False) -> str:
    """``dockwise fix`` / fix-all: never more syntax errors, never fewer stages."""
    before = parse(text, shell=False)
    res = fix_text(text, DEFAULT_SETTINGS, "Dockerfile", unsafe=unsafe, max_rounds=4)
    check_violations(res.remaining)
    after = parse(res.text, shell=False)
    if syntax_errors(after) > syntax_errors(before) or len(after.stages) != len(before.stages):
        raise Defect("fix added a syntax error or changed the stages")
    return res.text


def do_format(df: Dockerfile, rng: random.Random) -> None:
    """``dockwise format`` and formatting/rangeFormatting: idempotent, and the
    range edits apply."""
    opts = formatting.FormatOptions(tab_size=rng.choice((2, 4, 8)), insert_spaces=rng.random() < 0.8,
                                    trim_trailing_whitespace=rng.random() < 0.9,
                                    insert_final_newline=rng.random() < 0.3)
    once = apply_edits(df.text, formatting.format_edits(df, opts))  # type: ignore[arg-type]
    if not opts.insert_final_newline:
        twice = formatting.format_text(once, opts)
        if twice != once:
            raise Defect(f"format not idempotent: {df.text!r} -> {once!r} -> {twice!r}")
    n = max(1, len(df.lines))
    a = rng.randrange(n)
    b = rng.randrange(a, n + 1)
    rng_span = Span(Pos(a, rng.randrange(3)), Pos(b, rng.randrange(3)))
    apply_edits(df.text, formatting.format_edits(df, opts, rng_span))  # type: ignore[arg-type]


def positions(df: Dockerfile, rng: random.Random, k: int) -> list[Pos]:
    """``k`` positions as the server's converter produces them: a line up to
    two past the end, a column clamped to the line."""
    out = []
    n = len(df.lines)
    for _ in range(k):
        line = rng.randrange(n + 2) if n else rng.randrange(2)
        text = df.lines[line] if line < n else ""
        out.append(Pos(line, min(rng.randrange(len(text) + 3), len(text))))
    return out


def do_editor(df: Dockerfile, violations: list, rng: random.Random, k: int = 3) -> int:
    """Every engine call an LSP request reaches, at ``k`` random positions;
    returns the number of calls made."""
    calls = 0
    for p in positions(df, rng, k):
        hover.hover(df, p, platform=None, live=None)
        completion.complete(df, p, snippets=rng.random() < 0.5, live=None, platform=None)
        signature.signature_help(df, p)
        navigation.definition_at(df, p.line, p.col)
        sym = navigation.symbol_at(df, p.line, p.col)
        if sym is not None:
            navigation.references(df, sym, include_declaration=rng.random() < 0.5)
        navigation.highlights(df, p.line, p.col)
        try:
            navigation.prepare_rename(df, p.line, p.col)
            edits = navigation.rename_edits(df, p.line, p.col, rng.choice(("new_name", "NEW", "x1", "a b", "")))
            apply_edits(df.text, [_Edit(s, t) for s, t in edits])  # type: ignore[misc]
        except navigation.RenameError:
            pass
        first = p.line
        last = min(max(first, first + rng.randrange(-1, 4)), max(len(df.lines) - 1, 0))
        if actions.can_chain(df, first, last):
            _apply(df, actions.chain_runs(df, first, last))
        if actions.can_cleanup(df, first, last):
            _apply(df, actions.add_cleanup(df, first, last))
        calls += 12
    navigation.document_symbols(df)
    navigation.stage_symbols(df, rng.choice(("", "b", "s1")))
    navigation.folding_ranges(df)
    navigation.semantic_tokens(df)
    navigation.document_links(df)
    hover.size_hints(df, start_line=0, end_line=None, platform=None, live=None)
    calls += 6
    for v in violations[:8]:  # quick fixes and ignore actions of the diagnostics
        if v.fix is not None and v.fix.edits:
            apply_edits(df.text, v.fix.edits)
        if actions.ignorable(v.code):
            for prop in actions.ignore_proposals(df, v.code, v.span.start.line):
                _apply(df, prop)
        calls += 1
    return calls


class _Edit:
    __slots__ = ("span", "new_text")

    def __init__(self, span: Span, new_text: str) -> None:
        self.span, self.new_text = span, new_text


def _apply(df: Dockerfile, prop) -> None:
    if prop is not None and prop.edits:
        apply_edits(df.text, prop.edits)


def do_fix_all(df: Dockerfile, violations: list, rng: random.Random) -> None:
    """``source.fixAll.dockwise`` (and its resolve): the proposal's edit applies."""
    unsafe = rng.random() < 0.3
    if actions.has_fixes(violations, unsafe):
        p = actions.fix_all(df.text, DEFAULT_SETTINGS, "Dockerfile", unsafe=unsafe)
        new = apply_edits(df.text, p.edits)
        after = parse(new, shell=False)
        if syntax_errors(after) > syntax_errors(df):
            raise Defect("fix-all added a syntax error")


def exercise(text: str, rng: random.Random, editor_positions: int = 3, fix: bool = True) -> int:
    """Everything at once, as a language-server session and the CLI would do
    it; returns the number of engine calls."""
    df = do_parse(text)
    vs = do_lint(df)
    do_format(df, rng)
    calls = 3 + do_editor(df, vs, rng, editor_positions)
    if fix:
        do_fix_all(df, vs, rng)
        calls += 1
    return calls


# -- small random Dockerfiles (fast, seeded) -----------------------------------------------------------

KEYWORDS = ["FROM", "RUN", "COPY", "ADD", "ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT", "HEALTHCHECK", "EXPOSE",
            "VOLUME", "USER", "WORKDIR", "ONBUILD", "SHELL", "STOPSIGNAL", "MAINTAINER", "from", "run", "Run",
            "copy", "bogus", "#", "# syntax=docker/dockerfile:1", "# escape=`", "# hadolint ignore=DL3008",
            "# dockwise: ignore=DW001", "# hadolint global ignore=DL3059", "# check=skip=all"]
WORDS = ["apt-get", "update", "install", "-y", "--no-install-recommends", "curl", "&&", "||", ";", "|", "&",
         "apk", "add", "--no-cache", "pip", "install", "flask==1", "npm", "ci", "yum", "dnf", "zypper", "rm",
         "-rf", "/var/lib/apt/lists/*", "cd", "/app", "sudo", "echo", "$X", "${Y:-z}", "${Z:?err}",
         "$(echo a)", "`b`", "'s q'", '"d q"', "\\", "`", "\\\\", "k=v", "K=\"v w\"", "a=b", "--from=b",
         "--mount=type=cache,target=/root/.cache", "--mount=type=secret,id=x", "--chown=1:1",
         "--platform=$BUILDPLATFORM", "--network=none", "--link", "[\"a\",", "\"b\"]", "[", "]", "{", "}",
         "AS", "as", "b", "s1", "debian:12", "ubuntu", "python:3.12-slim", "alpine:3.19", "node:20",
         "scratch", "mcr.microsoft.com/windows/servercore:ltsc2022", "example.com:5000/x/y@sha256:" + "a" * 64,
         "<<EOF", "<<-EOF", "<<'E'", "<<\"Q\"", "EOF", "E", "Q", "80/tcp", "8080", "CMD", "NONE", "--interval=5s",
         "é", "\u00a0", "\u3000", "\x85", "\ufeff", "\U0001f600", "\x0b", "\x0c", "\x00", "\udc80", "$", "${",
         "$((1+2))", "${#X}", "${X//a/b}", "2>&1", ">/dev/null", "<", "(", ")", "if", "then", "fi", "!",
         "ENV", "ARG", "FROM", "RUN", "0", "-", "--", "=", "\"", "'", "#"]
GAPS = [" ", " ", " ", "  ", "\t", " \t", "\u00a0", "\x0b", "\r", ""]
ENDS = ["\n"] * 8 + ["\r\n"] * 3 + ["\r", "\r \n", "\n\n", " \\\n", "\\\r\n", " `\n", "\\ \n"]


def random_dockerfile(rng: random.Random, max_lines: int = 14) -> str:
    """A small Dockerfile-like text: real keywords and shell words mixed with
    the odd ones (CRs, Unicode blanks, escapes, heredocs, directives, pragmas)."""
    out = []
    if rng.random() < 0.05:
        out.append("\ufeff")
    if rng.random() < 0.85:
        out.append(f"FROM {rng.choice(WORDS[50:58])}{rng.choice(['', ' AS b', ' as s1'])}\n")
    for _ in range(rng.randrange(max_lines)):
        r = rng.random()
        if r < 0.07:
            out.append(rng.choice(["", " ", "# c", "  # note"]))
        else:
            line = rng.choice(["", "", "", " ", "\t"]) + rng.choice(KEYWORDS)
            for _ in range(rng.randrange(8)):
                line += rng.choice(GAPS) + rng.choice(WORDS)
            out.append(line)
            if "<<" in line and rng.random() < 0.7:  # a heredoc body and, usually, its terminator
                for _ in range(rng.randrange(3)):
                    out.append(rng.choice(ENDS) + rng.choice(["echo hi", "\tx", "", "set -e", "EOF2"]))
                if rng.random() < 0.8:
                    out.append(rng.choice(ENDS) + rng.choice(["EOF", "\tEOF", "E", "Q", "EOF "]))
        out.append(rng.choice(ENDS))
    text = "".join(out)
    return text[:-1] if text and rng.random() < 0.1 else text


def mutate(text: str, rng: random.Random) -> str:
    """A keystroke-like edit: insert, delete or replace a few characters."""
    if not text:
        return rng.choice(WORDS)
    i = rng.randrange(len(text) + 1)
    j = min(len(text), i + rng.randrange(4))
    ins = rng.choice(["", "x", " ", "\n", "\\\n", "$", "(", "\"", rng.choice(WORDS), "RUN ", "\r\n"])
    return text[:i] + ins + text[j:]


# -- large structured inputs ----------------------------------------------------------------------------
#
# Each maker: size -> text. Sizes are chosen so the largest is a few hundred
# kilobytes (the language server analyses documents up to 512 KiB).


def deep_command_substitution(d: int) -> str:
    return "FROM debian:12\nRUN echo " + "$(" * d + "x" + ")" * d + "\n"


def deep_parameter_expansion(d: int) -> str:
    return "FROM debian:12\nRUN echo " + "${a:-" * d + "x" + "}" * d + "\n"


def deep_mixed_substitution(d: int) -> str:
    return "FROM debian:12\nRUN echo " + "$(${" * d + "x" + "})" * d + "\n"


def deep_quotes(d: int) -> str:
    return "FROM debian:12\nRUN echo " + '"$(echo ' * d + "x" + ')"' * d + "\n"


def deep_subshells(d: int) -> str:
    return "FROM debian:12\nRUN " + "(" * d + "true" + ")" * d + "\n"


def deep_arithmetic(d: int) -> str:
    return "FROM debian:12\nRUN echo $((" + "(" * d + "1" + "+1)" * d + "))\n"


def deep_dockerfile_expansion(d: int) -> str:
    """Nesting in Dockerfile variables (BuildKit's own expansion, not the shell's)."""
    return "FROM debian:12\nARG A=1\nENV B=" + "${A:-" * d + "x" + "}" * d + "\nWORKDIR /${B}\n"


def nested_heredocs(d: int) -> str:
    """A heredoc whose body opens the next one, ``d`` deep, all terminated."""
    names = [f"E{i}" for i in range(d)]
    body = "".join(f"cat <<{n}\n" for n in names[1:]) + "x\n" + "".join(f"{n}\n" for n in reversed(names[1:]))
    return f"FROM debian:12\nRUN <<{names[0]}\n{body}{names[0]}\n"


def many_heredocs_one_line(n: int) -> str:
    names = [f"H{i}" for i in range(n)]
    return "FROM debian:12\nRUN " + " ".join(f"<<{x}" for x in names) + " cat\n" + "".join(f"b\n{x}\n" for x in names)


def unterminated_heredocs(n: int) -> str:
    return "FROM debian:12\n" + "".join(f"RUN <<E{i}\necho {i}\n" for i in range(n))


def long_line(n: int) -> str:
    return "FROM debian:12\nRUN echo " + " ".join(f"w{i}" for i in range(n)) + "\n"


def long_word(n: int) -> str:
    return "FROM debian:12\nRUN echo " + "a" * (8 * n) + "\nLABEL k=" + "v" * (8 * n) + "\n"


def huge_continuation(n: int) -> str:
    return "FROM debian:12\nRUN apt-get install -y \\\n" + "".join(f"    pkg{i} \\\n" for i in range(n)) + "    last\n"


def continuation_with_comments(n: int) -> str:
    return "FROM debian:12\nRUN echo a \\\n" + "".join(f"# c{i}\n    && echo {i} \\\n" for i in range(n)) + "    && true\n"


def mixed_line_endings(n: int) -> str:
    rng = random.Random(n)
    ends = ["\n", "\r\n", "\r", "\r\r\n", "\\\r\n", " \\\n"]
    return "FROM debian:12\n" + "".join(f"RUN echo {i}{rng.choice(ends)}" for i in range(n))


def many_stages_chained(n: int) -> str:
    return "FROM debian:12 AS s0\n" + "".join(f"FROM s{i - 1} AS s{i}\nRUN echo {i}\n" for i in range(1, n))


def many_variables(n: int) -> str:
    return "FROM debian:12\nARG V0=0\n" + "".join(f"ENV V{i}=${{V{i - 1}}}x\n" for i in range(1, n)) + "RUN echo $V1\n"


def stages_with_variables(n: int) -> str:
    """A FROM chain where every stage defines and uses variables of the ones before."""
    return "ARG G=1\nFROM debian:12 AS s0\nENV V0=0\n" + "".join(
        f"FROM s{i - 1} AS s{i}\nARG A{i}=$G\nENV V{i}=${{V{i - 1}}}-$A{i}\nRUN echo $V{i} $U{i}\n" for i in range(1, n))


def many_global_args(n: int) -> str:
    return "".join(f"ARG G{i}=v{i}\nARG X=$G{i}\n" for i in range(n)) + "".join(
        f"FROM img:$G{i} AS s{i}\nARG G{i}\nRUN echo $G{i} $X\n" for i in range(0, n, 10))


def copy_from_chain(n: int) -> str:
    return "FROM debian:12 AS s0\n" + "".join(
        f"FROM debian:12 AS s{i}\nCOPY --from=s{i - 1} /a /a\nRUN --mount=type=bind,from=s{i - 1},target=/m true\n"
        for i in range(1, n))


def many_onbuild(n: int) -> str:
    return "FROM debian:12\n" + "".join(f"ONBUILD RUN apt-get install -y p{i}\nONBUILD COPY . /s{i}\n" for i in range(n))


def many_pragmas(n: int) -> str:
    return "# hadolint global ignore=DL3059\nFROM debian:12\n" + "".join(
        f"# hadolint ignore=DL3008,DL3015\n# dockwise: ignore=DW002\nRUN apt-get update && apt-get install -y p{i}\n"
        for i in range(n))


def many_copies_and_installs(n: int) -> str:
    return "FROM python:3.12\nCOPY . /app\n" + "".join(
        f"COPY req{i}.txt /app/\nRUN pip install -r req{i}.txt\n" for i in range(n))


def long_json(n: int) -> str:
    return 'FROM debian:12\nCMD ["' + '", "'.join(f"a{i}" for i in range(n)) + '"]\n'


def many_flags(n: int) -> str:
    return "FROM debian:12\nRUN " + " ".join(f"--mount=type=cache,target=/c{i}" for i in range(n)) + " true\n"


def invalid_utf8(n: int) -> str:
    """Random bytes with Dockerfile lines around them, decoded as the corpus
    tools do (``surrogateescape``); the CLI refuses such a file with a message,
    the editor may hold such text."""
    rng = random.Random(n)
    raw = bytearray(b"FROM debian:12\n")
    for i in range(n):
        raw += b"RUN echo " + bytes(rng.randrange(128, 256) for _ in range(3)) + b" " + str(i).encode() + b"\n"
    return bytes(raw).decode("utf-8", "surrogateescape")


STRUCTURED: dict[str, tuple[Callable[[int], str], int]] = {
    # name: (maker, base size); the worker runs base, 2x base and 4x base
    "deep_command_substitution": (deep_command_substitution, 300),
    "deep_parameter_expansion": (deep_parameter_expansion, 300),
    "deep_mixed_substitution": (deep_mixed_substitution, 200),
    "deep_quotes": (deep_quotes, 200),
    "deep_subshells": (deep_subshells, 300),
    "deep_arithmetic": (deep_arithmetic, 300),
    "deep_dockerfile_expansion": (deep_dockerfile_expansion, 300),
    "nested_heredocs": (nested_heredocs, 150),
    "many_heredocs_one_line": (many_heredocs_one_line, 150),
    "unterminated_heredocs": (unterminated_heredocs, 150),
    "long_line": (long_line, 2500),
    "long_word": (long_word, 2500),
    "huge_continuation": (huge_continuation, 500),
    "continuation_with_comments": (continuation_with_comments, 300),
    "mixed_line_endings": (mixed_line_endings, 300),
    "many_stages_chained": (many_stages_chained, 150),
    "many_variables": (many_variables, 250),
    "stages_with_variables": (stages_with_variables, 100),
    "many_global_args": (many_global_args, 150),
    "copy_from_chain": (copy_from_chain, 100),
    "many_onbuild": (many_onbuild, 100),
    "many_pragmas": (many_pragmas, 100),
    "many_copies_and_installs": (many_copies_and_installs, 100),
    "long_json": (long_json, 1500),
    "many_flags": (many_flags, 250),
    "invalid_utf8": (invalid_utf8, 250),
}


# -- the worker for large inputs --------------------------------------------------------------------------

STAGES = ("parse", "lint", "format", "fix", "editor")
# where memory is measured: the layers that build structures from the text (the
# others re-use them, and re-parse through the parse layer)
MEMORY_STAGES = ("parse", "lint")


def run_structured(name: str, factors=(1, 4), stages=STAGES) -> dict:
    """Run the stages on ``name``'s inputs at each size factor. Per stage and
    size: the operation count (``opcount.ops``: deterministic) and, for
    MEMORY_STAGES, the peak of the memory allocated while it ran
    (``tracemalloc``, a second run)."""
    import tracemalloc

    from opcount import ops

    navigation.STRICT = True
    maker, base = STRUCTURED[name]
    out: dict = {"name": name, "sizes": [], "ops": {s: [] for s in stages},
                 "mem": {s: [] for s in stages if s in MEMORY_STAGES}}
    do_lint(do_parse(maker(2)))  # warm-up: imports and caches filled on first use are not the input's cost
    for f in factors:
        text = maker(base * f)
        out["sizes"].append(len(text))
        df = do_parse(text)
        vs = do_lint(df)
        runs = {
            "parse": lambda: do_parse(text),
            "lint": lambda: do_lint(df),
            "format": lambda: do_format(df, random.Random(0)),
            "fix": lambda: do_fix(text),
            "editor": lambda: do_editor(df, vs, random.Random(0), 2),  # fix-all is the fix stage's work
        }
        for stage in stages:
            fn = runs[stage]
            _, n = ops(fn)
            out["ops"][stage].append(n)
            if stage not in MEMORY_STAGES:
                continue
            tracemalloc.start()
            try:
                fn()
                out["mem"][stage].append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
    return out


def _worker(argv: list[str]) -> int:
    """``python tests/fuzz_util.py NAME...``: structured input families in
    this process, under an address-space cap; prints one JSON line per family
    with its operation counts, traced peaks and the process's peak RSS so far."""
    import json
    import resource
    import traceback

    cap = 2 << 30  # address space: a blow-up fails here instead of taking the machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    for name in argv or sorted(STRUCTURED):
        res: dict[str, Any]
        try:
            res = run_structured(name)
            res["error"] = None
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
            res = {"name": name, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}
        res["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_worker(sys.argv[1:]))
