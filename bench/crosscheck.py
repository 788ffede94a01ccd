"""Cross-check our instruction line ranges against dockerfile-parse.

For every file without heredocs (by our model: an instruction or an ONBUILD
trigger with heredocs), our ``(start_line, end_line)`` list is compared with
``DockerfileParser(fileobj=io.BytesIO(data)).structure`` minus its COMMENT
entries (both 0-based). Each disagreement gets the first differing instruction
and an automatically determined reason:

a. ``empty-continuation``: a blank line inside a continuation. BuildKit skips
   it (and warns NoEmptyContinuation; our model sets
   ``Instruction.empty_continuation``); dockerfile-parse ends the instruction
   at the blank line.
b. ``continuation-at-eof``: the last instruction's continuation is still open
   at end of file; BuildKit keeps the instruction, dockerfile-parse drops it.
c. ``escape-directive``: the file has an escape directive that the two handle
   differently (dockerfile-parse only looks for it while every earlier line is
   an escape or syntax directive, and its continuation test differs).
d. more specific ``other`` reasons we can recognise (a keyword without
   arguments on the last line, a byte-order mark, a carriage return not
   followed by a line feed, non-ASCII white space), else ``other`` with the
   lines printed so a human can judge.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

REASONS = {
    "a": "blank line inside a continuation (BuildKit skips it, NoEmptyContinuation; dockerfile-parse ends the instruction there)",
    "b": "continuation still open at end of file (BuildKit keeps the instruction; dockerfile-parse drops it)",
    "c": "escape directive handled differently",
    "d-no-args-eof": "keyword without arguments on the last line, no final newline (dockerfile-parse needs white space after the keyword)",
    "d-escaped-escape": "line ends with an escaped escape character (BuildKit: `\\\\` at the end does not continue; dockerfile-parse continues)",
    "d-bom": "byte-order mark before the first line (dockerfile-parse does not see the comment or instruction behind it)",
    "d-cr": "carriage return not followed by a line feed",
    "d-unicode-space": "non-ASCII white space (Python's \\s matches it, BuildKit's does not)",
    "d": "other (lines printed for a human to judge)",
}


@dataclass
class Disagreement:
    path: str
    reason: str
    index: int  # first differing instruction index
    ours: tuple[int, int] | None
    theirs: tuple[int, int] | None
    detail: str = ""
    excerpt: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class CrossCheck:
    files: int = 0
    heredoc_files: int = 0
    compared: int = 0
    agree: int = 0
    skipped_errors: int = 0  # dockerfile-parse raised
    disagreements: list[Disagreement] = field(default_factory=list)

    def by_reason(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.disagreements:
            out[d.reason] = out.get(d.reason, 0) + 1
        return dict(sorted(out.items()))


def has_heredocs(df) -> bool:
    for ins in df.instructions:
        if ins.heredocs or (ins.trigger is not None and ins.trigger.heredocs):
            return True
    return False


def theirs_of(data: bytes) -> list[tuple[int, int]]:
    from dockerfile_parse import DockerfileParser

    # it decodes each line as UTF-8 itself (its docs say bytes, its typeshed stub IO[str]);
    # a text stream split on "\n" alone is the same input, typed as the stub says
    structure = DockerfileParser(fileobj=io.StringIO(data.decode("utf-8"), newline="\n")).structure
    return [(d["startline"], d["endline"]) for d in structure if d["instruction"] != "COMMENT"]


_UNICODE_SPACE = re.compile(r"[^\S \t\r\n]")


def _continues(line: str, esc: str) -> bool:
    s = line.rstrip(" \t\r")
    return s.endswith(esc)


def _escaped_escape(line: str, esc: str) -> bool:
    s = line.rstrip(" \t\r")
    return len(s) >= 2 and s[-1] == esc and s[-2] == esc


def classify(df, data: bytes, ours: list[tuple[int, int]], theirs: list[tuple[int, int]]) -> Disagreement:
    """The first difference and why."""
    i = 0
    while i < len(ours) and i < len(theirs) and ours[i] == theirs[i]:
        i += 1
    o = ours[i] if i < len(ours) else None
    t = theirs[i] if i < len(theirs) else None
    lines = df.lines
    esc = df.escape or "\\"
    ins = df.instructions[i] if i < len(df.instructions) else None
    reason, detail = "d", ""

    lo = min(x[0] for x in (o, t) if x is not None)
    hi = max(x[1] for x in (o, t) if x is not None)

    def blank(n: int) -> bool:
        return 0 <= n < len(lines) and lines[n].strip(" \t\r") == ""

    if ins is not None and o is not None and ins.empty_continuation and t is not None and t[0] == o[0] \
            and t[1] < o[1] and blank(t[1]):
        reason = "a"
        detail = f"our instruction {o[0] + 1}-{o[1] + 1} has a blank line at {t[1] + 1}; dockerfile-parse ends it there"
    elif o is not None and t is None and i == len(ours) - 1 and (
        _continues(lines[o[1]], esc) or (blank(o[1]) and ins is not None and ins.empty_continuation)
    ):
        reason = "b"
        detail = f"instruction {o[0] + 1}-{o[1] + 1} ends at EOF inside a continuation"
    elif df.directive("escape") is not None:
        reason = "c"
        detail = f"escape directive {df.directive('escape')!r}"
    elif o is not None and t is None and i == len(ours) - 1 and o[0] == o[1] == len(lines) - 1 \
            and not data.endswith(b"\n") and len(lines[o[0]].split()) == 1:
        reason = "d-no-args-eof"
        detail = f"line {o[0] + 1}: {lines[o[0]]!r}"
    elif o is not None and _escaped_escape(lines[o[1]], esc) and (t is None or t[1] > o[1]):
        reason = "d-escaped-escape"
        detail = f"line {o[1] + 1} ends with {esc}{esc}"
    elif data.startswith(b"\xef\xbb\xbf") and lo <= 1:
        reason = "d-bom"
        first = data[3:].split(b"\n", 1)[0].decode("utf-8", "replace")[:40]
        detail = f"the file starts with a UTF-8 BOM; dockerfile-parse reads line 1 as '\\ufeff' + {first!r}"
    elif any("\r" in lines[n].rstrip("\r") for n in range(lo, min(hi + 1, len(lines)))):
        reason = "d-cr"
    elif any(_UNICODE_SPACE.search(lines[n]) for n in range(lo, min(hi + 1, len(lines)))):
        reason = "d-unicode-space"
    excerpt = [(n, lines[n]) for n in range(max(0, lo - 1), min(len(lines), hi + 2))][:14]
    return Disagreement(df.path or "", reason, i, o, t, detail, excerpt)


def check_file(path: str, data: bytes, df, result: CrossCheck) -> None:
    result.files += 1
    if has_heredocs(df):
        result.heredoc_files += 1
        return
    try:
        theirs = theirs_of(data)
    except Exception:
        result.skipped_errors += 1
        return
    result.compared += 1
    ours = [(ins.start_line, ins.end_line) for ins in df.instructions]
    if ours == theirs:
        result.agree += 1
        return
    d = classify(df, data, ours, theirs)
    d.path = path
    result.disagreements.append(d)


def show(line: str) -> str:
    """A physical line as written, with invisible characters made visible:
    tab → ``→``, CR → ``␍``, other control or non-ASCII white space → ``<U+XXXX>``,
    and ``⏎`` marking the end (so trailing blanks show)."""
    out = []
    for ch in line:
        if ch == "\t":
            out.append("→")
        elif ch == "\r":
            out.append("␍")
        elif (ord(ch) < 32 or ch.isspace() and ch != " ") or ch == "\ufeff":
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out) + "⏎"


def _fmt(r: tuple[int, int] | None) -> str:
    return "—" if r is None else f"{r[0] + 1}–{r[1] + 1}"


def write_markdown(result: CrossCheck, out_path: str, corpus: str, rel) -> None:
    """The full list, grouped by reason. ``rel`` maps a path to its display form."""
    lines = [
        "# dockerfile-parse cross-check: disagreements",
        "",
        f"Corpus: `{corpus}`. Files: {result.files}; with heredocs (skipped): {result.heredoc_files}; "
        f"compared: {result.compared}; agree: {result.agree}; disagree: {len(result.disagreements)}"
        + (f"; dockerfile-parse raised: {result.skipped_errors}" if result.skipped_errors else "")
        + ".",
        "",
        "Compared: our instructions' (start line, end line) against "
        "`DockerfileParser(fileobj=io.BytesIO(data)).structure` without COMMENT entries. "
        "Lines below are 1-based; \"ours\"/\"theirs\" is the first differing instruction.",
        "",
        "| Reason | Files |",
        "|---|---:|",
    ]
    for code, n in result.by_reason().items():
        lines.append(f"| ({code}) {REASONS[code]} | {n} |")
    lines.append("")
    for code in REASONS:
        group = [d for d in result.disagreements if d.reason == code]
        if not group:
            continue
        lines += [f"## ({code}) {REASONS[code]}", ""]
        for d in sorted(group, key=lambda d: d.path):
            lines.append(f"- `{rel(d.path)}`: instruction #{d.index + 1}: ours {_fmt(d.ours)}, "
                         f"dockerfile-parse {_fmt(d.theirs)}" + (f". {d.detail}" if d.detail else ""))
            if code.startswith("d"):
                lines.append("")
                lines.append("  ```")
                for n, text in d.excerpt:
                    lines.append(f"  {n + 1:5d}| {show(text)}"[:240])
                lines.append("  ```")
        lines.append("")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
