r"""In-file pragmas: one parser shared by the engine (``dockwise.lint.pragmas``, which
turns them into suppressions) and rules DW101 and DL1001.

Forms understood (``#`` comments; keywords of hadolint's forms are lower-case):

==========================================  =============================================
``# hadolint ignore=DL3006,DL3008``          the next instruction
``# hadolint global ignore=DL3006``          the whole file, wherever the comment is
``# hadolint stage ignore=DL3059``           from the next line up to the next ``FROM``
                                             (directly above a ``FROM``: that stage,
                                             including findings on the ``FROM`` line)
``# hadolint shell=pwsh``                    the shell of the following instructions
                                             (before the first ``FROM``: every stage);
                                             see :func:`shell_pragmas`
``# dockwise: ignore=CODE|NAME|ALIAS,…``     the next instruction (any rule key)
``# dockwise: global ignore=…``              the whole file
``# dockwise: stage ignore=…``               like hadolint's stage form
``# check=skip=Name,…;error=true``           BuildKit's directive at the top of the
                                             file: rules whose alias is a BuildKit check
                                             name are skipped (``skip=all``: every rule
                                             with a BuildKit alias); ``error=true``
                                             raises their findings to ``error``
``# check=skip=Name,…`` above an instruction  BuildKit's per-instruction form: skips
                                             those checks on that instruction only, except
                                             the checks BuildKit runs file-wide
                                             (FILE_LEVEL_CHECKS) (the
                                             first ``check=`` comment among the comments
                                             directly preceding it; ``error`` is ignored
                                             there, as in BuildKit)
==========================================  =============================================

``disable-ignore-pragma`` (configuration, ``--disable-ignore-pragma``) turns
off every ignore form above, BuildKit's ``skip`` included; ``check=error`` and
``shell=`` still apply, and DW101 still checks the pragmas.

``# check=error=true`` is interpreted for an editor/linter: instead of failing
a build, findings of every rule with a BuildKit alias are reported at
``error`` severity (so the CLI's exit status and the editor show them as the
build would treat them).

"Next instruction": the instruction that starts on the line after the pragma,
or after a run of further comment lines (hadolint only looks at the very next
line, so two stacked ``# hadolint ignore=`` lines lose the upper one: hadolint
issue #370; dockwise applies both). A blank line ends the search, as in
hadolint. Every form may end with ``# a reason``.

Where hadolint is silent, dockwise reports (rule DW101, ``unknown-pragma-code``)
and still applies what it understood:

* an unknown code (``DL9999``, ``crazy``): reported; the pragma's other codes
  still apply. hadolint drops the *whole* pragma without a word.
* a code hadolint's grammar rejects although dockwise knows it (lower case
  ``dl3006``, a name such as ``maintainer-deprecated``, one of our ``DW``
  codes): reported ("hadolint ignores this whole pragma"), honoured
  case-insensitively by dockwise.
* text after the list without a second ``#``; codes separated by blanks
  instead of commas; a malformed pragma (``# hadolint ignore DL3006``).
* ``# check=``: a name that is not a BuildKit check (names are PascalCase and
  case-sensitive in BuildKit, which ignores unknown names silently; dockwise
  honours a known name in any case but reports it), an unknown option or a bad
  boolean (both fail the build in BuildKit), ``error=`` in a per-instruction
  comment (ignored by BuildKit).

It sits in the rules layer because a pragma names rules: codes, names and aliases are
resolved against the rule registry (imported lazily). No LSP imports.
"""
from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Container

from dockwise import lazyre
from dockwise.syntax.model import Pos, Span

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.syntax.model import Dockerfile, Instruction

# BuildKit's build checks (frontend/dockerfile/linter/ruleset.go), case-sensitive.
BUILDKIT_CHECKS = frozenset(
    {
        "StageNameCasing",
        "FromAsCasing",
        "NoEmptyContinuation",
        "ConsistentInstructionCasing",
        "DuplicateStageName",
        "ReservedStageName",
        "JSONArgsRecommended",
        "MaintainerDeprecated",
        "UndefinedArgInFrom",
        "WorkdirRelativePath",
        "UndefinedVar",
        "MultipleInstructionsDisallowed",
        "LegacyKeyValueFormat",
        "InvalidBaseImagePlatform",
        "RedundantTargetPlatform",
        "SecretsUsedInArgOrEnv",
        "InvalidDefaultArgInFrom",
        "FromPlatformFlagConstDisallowed",
        "CopyIgnoredFile",
        "InvalidDefinitionDescription",
        "ExposeProtoCasing",
        "ExposeInvalidFormat",
    }
)
_BUILDKIT_LOWER = {n.lower(): n for n in BUILDKIT_CHECKS}
# checks BuildKit runs with the file's configuration only: a `# check=skip=`
# comment above an instruction does not reach them (parser warnings, the
# whole-file stage-name and casing passes, the base-image checks)
FILE_LEVEL_CHECKS = frozenset({"NoEmptyContinuation", "ConsistentInstructionCasing", "DuplicateStageName",
                               "ReservedStageName", "InvalidDefaultArgInFrom", "InvalidBaseImagePlatform"})

# hadolint 2.15.1's DL codes (Process.hs), plus the retired ones (DL3005,
# DL3017, DL3031, DL3039) so that old pragmas naming them are not reported.
HADOLINT_CODES = frozenset(
    ["DL1000", "DL1001"]
    + [f"DL{n}" for n in range(3000, 3068)]
    + [f"DL{n}" for n in range(4000, 4007) if n != 4002]
)
_SHELLCHECK = lazyre.compile(r"SC[12]\d{3}")
_HADOLINT_TOKEN = lazyre.compile(r"[DLSC0-9]+")  # hadolint's grammar for a code

_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}

# candidates: comments that are meant as a pragma (checked strictly below)
_HADOLINT_START = lazyre.compile(r"hadolint[ \t]+(?:(?:global|stage)[ \t]+)?(?:ignore|shell)\b", re.I)
_DOCKWISE_START = lazyre.compile(r"dockwise[ \t]*:", re.I)
_CHECK_START = lazyre.compile(r"check[ \t]*=", re.I)
_HADOLINT_FORM = lazyre.compile(
    r"(?P<tool>hadolint)[ \t]+(?:(?P<scope>global|stage)[ \t]+)?(?P<kw>ignore|shell)[ \t]*(?P<eq>=)?",
    re.I,
)
_DOCKWISE_FORM = lazyre.compile(
    r"(?P<tool>dockwise)[ \t]*:[ \t]*(?:(?P<scope>global|stage)[ \t]+)?(?P<kw>ignore)[ \t]*(?P<eq>=)?",
    re.I,
)


@dataclass(frozen=True, slots=True)
class CodeRef:
    """One entry of a pragma's list."""

    text: str  # as written
    span: Span
    key: str | None  # upper-case key matched against violations; None: unknown, not applied


@dataclass(frozen=True, slots=True)
class Pragma:
    tool: str  # "hadolint" | "dockwise" | "check"
    kind: str  # "ignore" | "global" | "stage" | "shell" | "check"
    span: Span  # the comment (or directive) line
    codes: tuple[CodeRef, ...] = ()  # ignore lists; for "check": the skip names
    shell: str | None = None  # kind "shell"
    top: bool = False  # kind "check": the directive at the top of the file
    skip_all: bool = False  # kind "check": skip=all
    error: bool | None = None  # kind "check": error=true|false (top only)
    target: tuple[int, int] | None = None  # first/last line covered (ignore, stage, per-instruction check)
    # kind "check": experimental=… names, lower-cased ("*" for all)
    experimental: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PragmaProblem:
    span: Span
    message: str


@dataclass(slots=True)
class Pragmas:
    pragmas: list[Pragma] = field(default_factory=list)
    problems: list[PragmaProblem] = field(default_factory=list)

    @property
    def check_error(self) -> bool:
        """``# check=error=true`` in the directive at the top of the file."""
        return any(p.kind == "check" and p.top and p.error for p in self.pragmas)


# -- code resolution ----------------------------------------------------------------------


def _registry():
    from dockwise import rules

    return rules


def _known_keys() -> list[str]:
    reg = _registry()
    keys = {k for r in reg.ALL_RULES for k in (r.code, r.meta.name)}
    return sorted(keys | HADOLINT_CODES)


def _suggest(token: str) -> str:
    close = difflib.get_close_matches(token.upper(), [k.upper() for k in _known_keys()], n=1, cutoff=0.75)
    if not close:
        return ""
    reg = _registry()
    r = reg.get(close[0])
    shown = r.code if r is not None and r.code.upper() == close[0] else close[0]
    if r is not None and r.meta.name.upper() == close[0]:
        shown = r.meta.name
    return f" (did you mean {shown}?)"


def resolve_code(token: str) -> str | None:
    """The key a pragma entry stands for: the rule's code for a known code,
    name or alias (any case), the upper-cased code for a hadolint or ShellCheck
    code dockwise does not implement; None when unknown."""
    r = _registry().get(token)
    if r is not None:
        return r.code.upper()
    up = token.upper()
    if up in HADOLINT_CODES or _SHELLCHECK.fullmatch(up):
        return up
    return None


# -- parsing --------------------------------------------------------------------------------


def _span(line: int, a: int, b: int) -> Span:
    return Span(Pos(line, a), Pos(line, b))


def _comment_body(text: str, start: int) -> tuple[int, int]:
    """[start, end) of ``text`` up to a ``#`` that starts a trailing reason, blanks trimmed."""
    end = text.find("#", start)
    if end < 0:
        end = len(text)
    while end > start and text[end - 1] in " \t":
        end -= 1
    while start < end and text[start] in " \t":
        start += 1
    return start, end


def _parse_list(
    line: int, raw: str, a: int, b: int, tool: str, out: list[PragmaProblem]
) -> tuple[CodeRef, ...]:
    """Split ``raw[a:b]`` (a code list) into entries, reporting what is odd."""
    refs: list[CodeRef] = []
    pos = a
    items: list[tuple[int, str]] = []
    for piece in raw[a:b].split(","):
        items.append((pos, piece))
        pos += len(piece) + 1
    trailing: list[tuple[int, int]] = []
    for off, piece in items:
        words = [(m.start() + off, m.group()) for m in re.finditer(r"[^ \t]+", piece)]
        if not words:
            out.append(PragmaProblem(_span(line, off, off + len(piece)), "empty entry in the pragma's list"))
            continue
        first, rest = words[0], words[1:]
        entries = [first]
        if rest:
            if all(resolve_code(w) is not None for _, w in rest):
                out.append(PragmaProblem(
                    _span(line, rest[0][0], rest[-1][0] + len(rest[-1][1])),
                    "codes must be separated by commas"
                    + ("; hadolint ignores this whole pragma" if tool == "hadolint" else ""),
                ))
                entries += rest
            else:
                trailing.append((rest[0][0], rest[-1][0] + len(rest[-1][1])))
        for col, word in entries:
            key = resolve_code(word)
            sp = _span(line, col, col + len(word))
            refs.append(CodeRef(word, sp, key))
            if key is None:
                msg = f"unknown rule code '{word}' in pragma{_suggest(word)}"
                if len(items) > 1 or rest:
                    msg += "; the pragma's other codes still apply"
                if tool == "hadolint":
                    msg += " (hadolint silently ignores the whole pragma)"
                out.append(PragmaProblem(sp, msg))
            elif tool == "hadolint" and not _HADOLINT_TOKEN.fullmatch(word):
                if not key.startswith(("DL", "SC")):
                    why = f"hadolint only knows DL/SC codes: use '# dockwise: ignore={word}'"
                elif word.upper() == key:
                    why = f"hadolint only accepts upper-case codes: write '{key}'"
                else:
                    why = f"hadolint only accepts codes: write '{key}'"
                out.append(PragmaProblem(
                    sp, f"{why}; hadolint silently ignores this whole pragma (dockwise applies it)"))
    for c1, c2 in trailing:
        out.append(PragmaProblem(
            _span(line, c1, c2),
            "text after a code must follow a second '#' (# hadolint ignore=DL3008 # reason)"
            + ("; hadolint ignores this whole pragma" if tool == "hadolint" else ""),
        ))
    return tuple(refs)


def _parse_tool_comment(line: int, raw: str, col: int, out: list[PragmaProblem]) -> Pragma | None:
    """A ``# hadolint …`` / ``# dockwise: …`` comment starting at ``raw[col] == '#'``."""
    body = col + 1
    while body < len(raw) and raw[body] in " \t":
        body += 1
    text = raw[body:]
    whole = _span(line, col, len(raw))
    is_hadolint = _HADOLINT_START.match(text) is not None
    if not is_hadolint and _DOCKWISE_START.match(text) is None:
        return None
    m = (_HADOLINT_FORM if is_hadolint else _DOCKWISE_FORM).match(text)
    tool = "hadolint" if is_hadolint else "dockwise"
    if m is None or m.group("eq") is None:
        form = ("'# hadolint [global|stage] ignore=CODE,…' or '# hadolint shell=NAME'" if is_hadolint
                else "'# dockwise: [global|stage] ignore=CODE,…'")
        out.append(PragmaProblem(whole, f"malformed {tool} pragma: expected {form}"))
        return None
    if is_hadolint:
        written = text[: m.end("kw")]
        if written != written.lower():
            out.append(PragmaProblem(
                _span(line, body, body + m.end("kw")),
                "hadolint pragma keywords are lower-case; hadolint ignores this pragma (dockwise applies it)",
            ))
    kw = m.group("kw").lower()
    scope = (m.group("scope") or "").lower()
    a, b = _comment_body(raw, body + m.end())
    if kw == "shell":
        if scope:
            out.append(PragmaProblem(whole, "malformed hadolint pragma: 'shell=' takes no global/stage scope"))
            return None
        value = raw[a:b]
        if not value or re.search(r"[ \t,]", value):
            out.append(PragmaProblem(whole, "malformed hadolint pragma: expected '# hadolint shell=NAME'"))
            return None
        return Pragma(tool, "shell", whole, shell=value)
    if a >= b:
        out.append(PragmaProblem(whole, f"malformed {tool} pragma: no codes after 'ignore='"))
        return None
    codes = _parse_list(line, raw, a, b, tool, out)
    return Pragma(tool, scope or "ignore", whole, codes=codes)


def _parse_check(
    line: int, raw: str, vstart: int, value: str, top: bool, out: list[PragmaProblem]
) -> Pragma | None:
    """BuildKit's check options ``value`` (starting at column ``vstart``)."""
    whole = _span(line, 0, len(raw))
    cut = re.search(r"[ \t]", value)
    if cut:
        value = value[: cut.start()]  # BuildKit cuts the value at the first blank
    names: list[CodeRef] = []
    skip_all = False
    experimental: list[str] = []
    error: bool | None = None
    off = vstart
    parts = value.split(";", 2)  # SplitN(…, 3) as BuildKit
    for part in parts:
        p0 = off
        off += len(part) + 1
        if not part.strip():
            continue
        key, eq, val = part.partition("=")
        k = key.strip().lower()
        pspan = _span(line, p0, p0 + len(part))
        if not eq or k not in ("skip", "error", "experimental"):
            out.append(PragmaProblem(pspan, f'invalid check option "{key.strip() if eq else part}" '
                                            "(skip=, error=, experimental=); BuildKit fails the build"))
            continue
        vcol = p0 + len(key) + 1
        if k == "error":
            v = val.strip()
            if v in _GO_TRUE:
                error = True
            elif v in _GO_FALSE:
                error = False
            else:
                out.append(PragmaProblem(pspan, f'check option "error={v}" is not a boolean; BuildKit fails the build'))
                continue
            if not top:
                out.append(PragmaProblem(pspan, "'error=' only counts in the check directive at the top of the "
                                                "file; BuildKit ignores it here"))
                error = None
            continue
        col = vcol
        for name in val.split(","):
            n0 = col + (len(name) - len(name.lstrip()))
            col += len(name) + 1
            n = name.strip()
            if not n:
                continue
            sp = _span(line, n0, n0 + len(n))
            if n.lower() == "all":
                if k == "skip":
                    skip_all = True
                elif k == "experimental":
                    experimental.append("*")
                continue
            if n in BUILDKIT_CHECKS:
                if k == "skip":
                    names.append(CodeRef(n, sp, n.lower()))
                elif k == "experimental":
                    experimental.append(n.lower())
                continue
            proper = _BUILDKIT_LOWER.get(n.lower())
            if proper is not None:
                out.append(PragmaProblem(sp, f"BuildKit check names are case-sensitive: write '{proper}' "
                                             "(BuildKit ignores this one; dockwise applies it)"))
                if k == "skip":
                    names.append(CodeRef(n, sp, proper.lower()))
                elif k == "experimental":
                    experimental.append(proper.lower())
                continue
            hint = ""
            if resolve_code(n) is not None:
                hint = f"; for dockwise/hadolint rules use '# dockwise: ignore={n}'"
            else:
                close = difflib.get_close_matches(n, sorted(BUILDKIT_CHECKS), n=1, cutoff=0.7)
                if close:
                    hint = f" (did you mean {close[0]}?)"
            out.append(PragmaProblem(sp, f"unknown BuildKit check '{n}' in check={k}{hint}"))
    return Pragma("check", "check", whole, codes=tuple(names), top=top, skip_all=skip_all, error=error,
                  experimental=tuple(experimental))


class _CommentRuns:
    """Where a run of comment lines ends: ``end(i)`` is the first line at or
    after ``i`` that is not a comment line. Each line is looked at once, however
    many pragmas sit in one run."""

    __slots__ = ("lines", "memo")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.memo: dict[int, int] = {}

    def end(self, i: int) -> int:
        lines, memo = self.lines, self.memo
        seen = []
        n = len(lines)
        while i < n and i not in memo and lines[i].lstrip(" \t\r\f\v").startswith("#"):
            seen.append(i)
            i += 1
        j = memo.get(i, i)
        for k in seen:
            memo[k] = j
        return j


def _next_instruction_line(runs: _CommentRuns, after: int, starts: "Container[int]") -> int | None:
    """The start line of the instruction following line ``after`` across comment
    lines only; None when a blank line (or anything else) comes first."""
    i = runs.end(after + 1)
    return i if i < len(runs.lines) and i in starts else None


def analyse(df: "Dockerfile", check_override: str | None = None) -> Pragmas:
    """Every pragma of ``df`` with the lines it covers, and its problems
    (computed once per model and override: ``df.derived``; read-only).

    ``check_override``: the value of the ``BUILDKIT_DOCKERFILE_CHECK`` build
    argument, which replaces the file's ``# check=`` directive entirely (as in
    BuildKit); it is parsed as a directive on line 0 and its problems are not
    reported (they are not in the file)."""
    key = ("dockwise.lint.pragmas", check_override)
    got = df.derived.get(key)
    if got is None:
        got = df.derived[key] = _analyse(df, check_override)
    return got


def _analyse(df: "Dockerfile", check_override: str | None) -> Pragmas:
    res = Pragmas()
    out = res.problems
    lines = df.lines
    # where instructions and stages start: only when a pragma needs it (reading the
    # start of every instruction costs a little for each, moved or not, on every edit)
    where: dict[str, Any] = {}

    def starts() -> "dict[int, Instruction]":
        if "starts" not in where:
            where["starts"] = {ins.start_line: ins for ins in df.instructions}
        return where["starts"]

    def from_lines() -> list[int]:
        if "from" not in where:
            where["from"] = sorted(df.instructions[s.from_instruction].start_line for s in df.stages)
        return where["from"]

    runs = _CommentRuns(lines)

    if check_override is not None:
        v = check_override.strip()
        p = _parse_check(0, "#check=" + v, 7, v, True, [])
        if p is not None:
            res.pragmas.append(p)
    for d in df.directives:
        if d.key == "check" and check_override is None:
            line = d.span.start.line
            raw = lines[line] if 0 <= line < len(lines) else ""
            p = _parse_check(line, raw, d.value_span.start.col, d.value, True, out)
            if p is not None:
                res.pragmas.append(p)

    for c in df.comments:
        line = c.span.start.line
        if not (0 <= line < len(lines)):
            continue
        raw = lines[line]
        col = c.span.start.col
        text = c.text
        if _CHECK_START.match(text):
            continue  # per-instruction check comments are handled below
        p = _parse_tool_comment(line, raw, col, out)
        if p is None:
            continue
        if p.kind == "ignore":
            at = starts()
            target = _next_instruction_line(runs, line, at)
            if target is not None:
                ins = at[target]
                p = _with_target(p, (ins.start_line, ins.end_line))
        elif p.kind == "stage":
            first = runs.end(line + 1)
            fl = from_lines()
            k = bisect.bisect_right(fl, first)
            p = _with_target(p, (line + 1, fl[k] - 1 if k < len(fl) else 1 << 60))
        res.pragmas.append(p)

    for ins in df.instructions:
        for c in ins.comments:
            m = _CHECK_START.match(c.text)
            if not m:
                continue
            line = c.span.start.line
            raw = lines[line] if 0 <= line < len(lines) else ""
            body = raw.find("=", c.span.start.col) + 1
            value = raw[body:].lstrip(" \t")
            vstart = len(raw) - len(value)
            p = _parse_check(line, raw, vstart, value.rstrip(), False, out)
            if p is not None:
                res.pragmas.append(_with_target(p, (ins.start_line, ins.end_line)))
            break  # BuildKit uses only the first check comment
    res.problems.sort(key=lambda pr: (pr.span.start, pr.message))
    return res


def _with_target(p: Pragma, target: tuple[int, int]) -> Pragma:
    return Pragma(p.tool, p.kind, p.span, p.codes, p.shell, p.top, p.skip_all, p.error, target, p.experimental)


# -- shell pragmas ---------------------------------------------------------------------------


def shell_pragmas(df: "Dockerfile") -> dict[int, str]:
    """``# hadolint shell=NAME`` per stage: ``-1`` for a pragma before the first
    ``FROM`` (the default of every stage), else the index of the stage the
    following instruction belongs to (the last pragma of a stage wins). The
    shell of stage ``i`` is ``d.get(i, d.get(-1))``; None means the default
    (``/bin/sh -c``, or a ``SHELL`` instruction)."""
    out: dict[int, str] = {}
    if not df.comments:
        return out
    first_from = df.instructions[df.stages[0].from_instruction].start_line if df.stages else 1 << 60
    later = sorted((ins.start_line, ins.stage) for ins in df.instructions)
    later_lines = [ln for ln, _ in later]
    scratch: list[PragmaProblem] = []
    for c in df.comments:
        low = c.text.lower()
        if not low.startswith("hadolint") or "shell" not in low:
            continue
        line = c.span.start.line
        p = _parse_tool_comment(line, df.lines[line], c.span.start.col, scratch)
        if p is None or p.kind != "shell" or p.shell is None:
            continue
        if line < first_from:
            out[-1] = p.shell
            continue
        k = bisect.bisect_right(later_lines, line)
        stage = later[k][1] if k < len(later) else (df.stages[-1].index if df.stages else -1)
        out[stage] = p.shell
    return out
