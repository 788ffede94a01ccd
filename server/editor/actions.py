"""Code actions, engine side: ignore pragmas, "Chain RUN instructions",
"Add package-manager cleanup" and fix-all, as edits on the text.

No LSP types here: :mod:`dockwise.lsp.actions` converts positions
and builds the LSP objects. Every position here is a model position (0-based
line, code-point column on the physical lines). "Use a BuildKit cache mount" rewrites a RUN to mount
its package manager's cache (``dockwise.rules._cachemount``). The refactorings reuse the
rules' fix builders (DL3059's merge, DL3009's apt cleanup, DL3019/DL3042's
flags, the append-a-cleanup builder of DL3032/DL3036/DL3040/DL3060), applied
one after the other on the text with a re-parse in between; the result is one
edit covering the changed lines (:func:`diff_edit`). A result that would add
a syntax error or change the number of stages is dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from dockwise.lint.engine import LintSettings, Violation
from dockwise.lint.fixes import _breaks, _shape, apply_edits, fix_text
from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span
from dockwise.syntax.parser import parse
from dockwise.rules._api import Applicability, Edit, Fix

QUICKFIX = "quickfix"
REWRITE = "refactor.rewrite"
FIX_ALL = "source.fixAll.dockwise"

CHAIN_TITLE = "Chain RUN instructions"
CLEANUP_TITLE = "Add package-manager cleanup"
CACHE_MOUNT_TITLE = "Use a BuildKit cache mount"
FIX_ALL_TITLE = "Fix all auto-fixable problems (dockwise)"
FIX_ALL_UNSAFE_TITLE = "Fix all auto-fixable problems, unsafe fixes included (dockwise)"


@dataclass(frozen=True, slots=True)
class Proposal:
    """One code action's content: edits on the text it was computed from."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE
    kind: str = QUICKFIX

    @property
    def unsafe(self) -> bool:
        return self.applicability is Applicability.UNSAFE


def titled(title: str, applicability: Applicability) -> str:
    """A fix's title as the editor shows it: unsafe ones say so."""
    return f"{title} (unsafe)" if applicability is Applicability.UNSAFE else title


# -- text → one edit ---------------------------------------------------------------


def _pos(text: str, off: int) -> Pos:
    line = text.count("\n", 0, off)
    return Pos(line, off - (text.rfind("\n", 0, off) + 1))


def diff_edit(old: str, new: str) -> Edit | None:
    """One edit turning ``old`` into ``new``, covering whole lines (from the
    first changed line to the end of the last one); None when equal."""
    if old == new:
        return None
    n = min(len(old), len(new))
    i = 0
    while i < n and old[i] == new[i]:
        i += 1
    i = old.rfind("\n", 0, i) + 1  # back to the start of the line
    j = 0
    while j < n - i and old[-1 - j] == new[-1 - j]:
        j += 1
    end = len(old) - j
    if end > i and old[end - 1] != "\n":  # forward to the next line start
        nl = old.find("\n", end)
        end = len(old) if nl < 0 else nl + 1
    new_end = len(new) - (len(old) - end)
    return Edit(Span(_pos(old, i), _pos(old, end)), new[i:new_end])


def _reparse(text: str, df: Dockerfile, cur: Dockerfile) -> Dockerfile:
    """Parse ``text``, an edit of ``cur``, itself derived from ``df``. The
    parser may take over ``cur``'s unchanged instructions (it re-indexes them),
    so only an intermediate model of ours is offered, never ``df``, which
    the server's cache still shares."""
    return parse(text, path=df.path, previous=cur if cur is not df else None)


def _safe_result(df: Dockerfile, new: Dockerfile) -> bool:
    """``new`` (derived from ``df``) adds no syntax error and keeps the stages."""
    return not _breaks(_shape(df), new)


# -- ignore pragmas -------------------------------------------------------------------


def pragmas_enabled(settings: LintSettings) -> bool:
    """False when ``disable-ignore-pragma`` is on in any layer: a pragma would not help."""
    return not any(s.disable_ignore_pragma for s in settings.layers())


def ignorable(code: str) -> bool:
    """A code a pragma can name (a registered rule)."""
    from dockwise import rules

    r = rules.get(code)
    return r is not None and r.code == code


def pragma_tool(code: str) -> str:
    """hadolint's form for its DL codes (so hadolint agrees), ours otherwise."""
    return "hadolint" if code.upper().startswith("DL") else "dockwise"


def _pragma_line(tool: str, scope: str, code: str, indent: str = "") -> str:
    scope = f"{scope} " if scope else ""
    head = "# hadolint " if tool == "hadolint" else "# dockwise: "
    return f"{indent}{head}{scope}ignore={code}\n"


def _append_to(p, code: str) -> Edit | None:
    """Add ``code`` to pragma ``p``'s list (None when it already names it)."""
    if not p.codes or any(c.key == code.upper() for c in p.codes):
        return None
    at = p.codes[-1].span.end
    return Edit(Span(at, at), f",{code}")


def _line_start(df: Dockerfile, line: int) -> Pos:
    """Where a new line is inserted before ``line``: after a byte-order mark
    on the first line (text before it would make the BOM part of line 2)."""
    col = 1 if line == 0 and df.lines and df.lines[0].startswith("\ufeff") else 0
    return Pos(line, col)


def instruction_at(df: Dockerfile, line: int) -> Instruction | None:
    for ins in df.instructions:
        if ins.start_line <= line <= ins.end_line:
            return ins
        if ins.start_line > line:
            break
    return None


def ignore_line_edit(df: Dockerfile, code: str, line: int) -> Edit | None:
    """The edit for "Ignore CODE for this line": a pragma line right above the
    instruction holding ``line`` (indented like it), or ``code`` added to a
    pragma of the same kind already there. None when ``line`` is not part of
    an instruction (pragmas only cover instructions) or already ignored."""
    from dockwise.lint.pragmas import analyse

    ins = instruction_at(df, line)
    if ins is None:
        return None
    tool = pragma_tool(code)
    start = ins.start_line
    found = [p for p in analyse(df).pragmas if p.kind == "ignore" and p.tool == tool
             and p.target is not None and p.target[0] == start]
    above = start - 1
    for p in found:
        # hadolint reads only the line right above; dockwise reads the whole comment run
        if tool == "dockwise" or p.span.start.line == above:
            return _append_to(p, code)
    raw = df.lines[start]
    indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
    at = start
    if tool == "dockwise" and above >= 0 and any(
        p.tool == "hadolint" and p.kind == "ignore" and p.span.start.line == above for p in analyse(df).pragmas
    ):
        at = above  # keep hadolint's pragma right above the instruction
    raw = raw.lstrip("\ufeff") if at == 0 else raw
    indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
    return Edit(Span(_line_start(df, at), _line_start(df, at)), _pragma_line(tool, "", code, indent))


def ignore_file_edit(df: Dockerfile, code: str) -> Edit | None:
    """The edit for "Ignore CODE for this file": the global form, added to an
    existing global pragma of the same kind, else on a new line after the
    parser directives at the top. None when the file already ignores it."""
    from dockwise.lint.pragmas import analyse

    tool = pragma_tool(code)
    for p in analyse(df).pragmas:
        if p.kind == "global" and p.tool == tool and p.codes:
            return _append_to(p, code)
    line = max((d.span.end.line + 1 for d in df.directives), default=0)
    return Edit(Span(_line_start(df, line), _line_start(df, line)), _pragma_line(tool, "global", code))


def ignore_proposals(df: Dockerfile, code: str, line: int) -> list[Proposal]:
    out = []
    e = ignore_line_edit(df, code, line)
    if e is not None:
        out.append(Proposal(f"Ignore {code} for this line", (e,)))
    e = ignore_file_edit(df, code)
    if e is not None:
        out.append(Proposal(f"Ignore {code} for this file", (e,)))
    return out


# -- "Chain RUN instructions" -------------------------------------------------------------


def _runs_in(df: Dockerfile, first: int, last: int) -> list[int]:
    """Indices of the RUN instructions (not ONBUILD RUN) touching lines ``first..last``."""
    return [i.index for i in df.instructions
            if i.keyword == "RUN" and i.end_line >= first and i.start_line <= last]


def _merge(df: Dockerfile, a: int, b: int) -> Fix | None:
    from dockwise.rules.dl3059_consecutive_run import _fix

    prev, ins = df.instructions[a], df.instructions[b]
    if prev.stage != ins.stage or b != a + 1:
        return None
    return _fix(df, prev, ins)


def can_chain(df: Dockerfile, first: int, last: int) -> bool:
    """Cheap test: two RUNs in the lines, and at least one pair that merges."""
    idx = _runs_in(df, first, last)
    return len(idx) >= 2 and any(_merge(df, a, b) is not None for a, b in zip(idx, idx[1:]))


def chain_runs(df: Dockerfile, first: int, last: int) -> Proposal | None:
    """Chain every RUN touching lines ``first..last`` into the one before it,
    with DL3059's merge (its rules on safety and declining). A RUN that cannot
    join the previous one starts a new chain. One edit covers the changed lines.

    Linear in the file: each chain is assembled from DL3059's pairwise merges
    on the original model (the continuation indentation carried along as a
    merge-by-merge application would give it) and the result is parsed once;
    when a merge does not have the expected shape, the merges are applied one
    by one with a re-parse in between instead."""
    idx = _runs_in(df, first, last)
    if len(idx) < 2:
        return None
    got = _chain_at_once(df, idx)
    if got is None:
        got = _chain_one_by_one(df, idx)
    text, cur, merged, unsafe = got
    if not merged or not _safe_result(df, cur):
        return None
    e = diff_edit(df.text, text)
    app = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return Proposal(CHAIN_TITLE, (e,), app, REWRITE) if e else None


def _chain_one_by_one(df: Dockerfile, idx: list[int]) -> tuple[str, Dockerfile, int, bool]:
    text, cur, unsafe, merged = df.text, df, False, 0
    anchor = idx[0]
    for j in idx[1:]:
        now = j - merged  # earlier merges removed `merged` instructions before it
        fix = _merge(cur, anchor, now)
        if fix is None:
            anchor = now
            continue
        text = apply_edits(text, fix.edits)
        cur = _reparse(text, df, cur)
        merged += 1
        unsafe = unsafe or fix.applicability is Applicability.UNSAFE
    return text, cur, merged, unsafe


def _split_merge(df: Dockerfile, fix: Fix, prev: Instruction) -> tuple[str, str, str, Pos] | None:
    """DL3059's merge of a RUN into ``prev`` as (joiner, command, moved comment
    lines, end of the replaced span); None when it has another shape."""
    from dockwise.rules._runfix import end_of_text, indent_of_last_line

    at = end_of_text(prev)
    merge = [e for e in fix.edits if e.span.start == at and e.span.end != at]
    rest = [e for e in fix.edits if e not in merge]
    top = Pos(prev.start_line, 0)
    if len(merge) != 1 or len(rest) > 1 or any(e.span.start != top or e.span.end != top for e in rest):
        return None
    m = merge[0]
    esc = df.escape
    for joiner in (f" && {esc}\n", f" {esc}\n"):
        if m.new_text.startswith(joiner):
            break
    else:
        return None
    body = m.new_text[len(joiner):]
    indent = indent_of_last_line(df, prev)
    if not body.startswith(indent):
        return None
    return joiner, body[len(indent):], rest[0].new_text if rest else "", m.span.end


def _next_indent(command: str, indent: str) -> str:
    """The indentation of the chain's last line once ``command`` was added on a
    line indented by ``indent`` (what DL3059 reads from the merged RUN)."""
    for raw in reversed(command.split("\n")[1:]):
        body = raw.lstrip(" \t")
        if body and not body.startswith("#"):
            return raw[: len(raw) - len(body)]
    return indent


def _chain_at_once(df: Dockerfile, idx: list[int]) -> tuple[str, Dockerfile, int, bool] | None:
    from dockwise.rules._runfix import end_of_text, indent_of_last_line

    edits: list[Edit] = []
    merged, unsafe = 0, False
    k = 0
    while k < len(idx) - 1:
        anchor = df.instructions[idx[k]]
        parts: list[str] = []
        moved: list[str] = []
        indent = indent_of_last_line(df, anchor)
        end = None
        j = k + 1
        while j < len(idx):
            prev = df.instructions[idx[j - 1]]
            fix = _merge(df, prev.index, idx[j])
            if fix is None:
                break
            got = _split_merge(df, fix, prev)
            if got is None:
                return None
            joiner, command, comments, end = got
            parts.append(joiner + indent + command)
            moved.append(comments)
            indent = _next_indent(command, indent)
            unsafe = unsafe or fix.applicability is Applicability.UNSAFE
            j += 1
        if parts and end is not None:
            edits.append(Edit(Span(end_of_text(anchor), end), "".join(parts)))
            if "".join(moved):
                top = Pos(anchor.start_line, 0)
                edits.append(Edit(Span(top, top), "".join(moved)))
            merged += len(parts)
        k = j
    if not merged:
        return df.text, df, 0, False
    try:
        text = apply_edits(df.text, edits)
    except ValueError:
        return None
    return text, parse(text, path=df.path), merged, unsafe


# -- "Add package-manager cleanup" ----------------------------------------------------------


def _apt(df: Dockerfile, ins: Instruction) -> Fix | None:
    from dockwise.rules import dl3009_apt_lists as m
    from dockwise.rules._pm import apt_lists_kept_out, removes_apt_lists

    v = run_view(ins)
    pending = False
    for c in v.commands:
        if c.name in ("apt-get", "apt", "aptitude") and c.sub in (
            "update", "install", "upgrade", "dist-upgrade", "full-upgrade", "reinstall"
        ):
            pending = True
        elif pending and removes_apt_lists(c):
            pending = False
    if not pending or apt_lists_kept_out(v):
        return None
    return m._fix(df, ins)


def _flag(df: Dockerfile, ins: Instruction, adds, mounted, flag: str, off=None) -> Fix | None:
    from dockwise.rules._runfix import add_option

    v = run_view(ins)
    if mounted(v):
        return None
    edits = []
    for c in v.commands:
        p = adds(c)
        edit = add_option(ins, c, f"--{flag}")
        if p is None or p.has(flag) or edit is None or (off is not None and off(df, ins, v.commands, c)):
            continue
        edits.append(edit)
    return Fix.safe(f"Add --{flag}", *edits) if edits else None


def _apk(df: Dockerfile, ins: Instruction) -> Fix | None:
    from dockwise.rules._pm import apk_adds

    return _flag(df, ins, apk_adds, lambda v: any("/var/cache/apk" in t for t in v.cache_targets), "no-cache")


def _pip(df: Dockerfile, ins: Instruction) -> Fix | None:
    from dockwise.rules._pm import pip_cache_mounted, pip_installs
    from dockwise.rules.dl3042_pip_no_cache_dir import cache_disabled

    return _flag(df, ins, pip_installs, pip_cache_mounted, "no-cache-dir", cache_disabled)


def _append(df: Dockerfile, ins: Instruction, install, clean, covered, command: str) -> Fix | None:
    from dockwise.rules._pm import uncleaned
    from dockwise.rules._runfix import append_commands_fix

    v = run_view(ins)
    if uncleaned(v, install, clean) is None or covered(v):
        return None
    return append_commands_fix(df, ins, [command], f"Append `{command}` to the RUN")


def _yum(df, ins):
    from dockwise.rules import dl3032_yum_clean as m
    from dockwise.rules._pm import RPM_CACHE_DIRS, mount_covers

    return _append(df, ins, m._install, m._clean, lambda v: mount_covers(v, RPM_CACHE_DIRS), "yum clean all")


def _dnf(df, ins):
    from dockwise.rules import dl3040_dnf_clean as m
    from dockwise.rules._pm import RPM_CACHE_DIRS, mount_covers, uncleaned
    from dockwise.rules._runfix import append_commands_fix

    v = run_view(ins)
    if mount_covers(v, RPM_CACHE_DIRS):
        return None
    cleans = [f"{tool} clean all" for tool, install, clean in m._CHECKS if uncleaned(v, install, clean)]
    return append_commands_fix(df, ins, cleans, "Append the dnf cleanup") if cleans else None


def _zypper(df, ins):
    from dockwise.rules import dl3036_zypper_clean as m
    from dockwise.rules._pm import ZYPPER_CACHE_DIRS, mount_covers, zypper_installs

    return _append(df, ins, zypper_installs, m._clean, lambda v: mount_covers(v, ZYPPER_CACHE_DIRS), "zypper clean")


def _yarn(df, ins):
    from dockwise.rules import dl3060_yarn_cache as m
    from dockwise.rules._pm import cache_mounted, yarn_dir, yarn_installs

    return _append(df, ins, yarn_installs, m._clean, lambda v: cache_mounted(v, yarn_dir), "yarn cache clean")


def _npm(df, ins):
    from dockwise.rules._pm import cache_mounted, npm_cache_cleans, npm_installs_any

    return _append(df, ins, npm_installs_any, npm_cache_cleans,
                   lambda v: cache_mounted(v, lambda t: ".npm" in t), "npm cache clean --force")


# in-place flags first, then the appended cleanups (in the order they end up in)
CLEANUP_STEPS: tuple[Callable[[Dockerfile, Instruction], Fix | None], ...] = (
    _apk, _pip, _apt, _yum, _dnf, _zypper, _npm, _yarn,
)


def _cleanable(df: Dockerfile, first: int, last: int) -> list[int]:
    return [i.index for i in df.instructions
            if i.effective.keyword == "RUN" and i.end_line >= first and i.start_line <= last]


def _first_step(df: Dockerfile, ins: Instruction, steps: Sequence) -> int | None:
    for k, step in enumerate(steps):
        try:
            if step(df, ins) is not None:
                return k
        except Exception:  # a builder choking on odd input declines
            continue
    return None


def can_cleanup(df: Dockerfile, first: int, last: int) -> bool:
    """Cheap test: a RUN in the lines has a cleanup to add."""
    return any(_first_step(df, df.instructions[i], CLEANUP_STEPS) is not None for i in _cleanable(df, first, last))


def add_cleanup(df: Dockerfile, first: int, last: int) -> Proposal | None:
    """Add every missing package-manager cleanup to the RUNs touching lines
    ``first..last`` (each kind once per RUN). In rounds: each RUN takes its
    next applicable step on the current model, the round's edits (each within
    its own RUN) are applied together and the text re-parsed once, so the
    work is a few parses whatever the number of RUNs."""
    from dockwise.lint.fixes import _line_starts, _offset, _to_crlf, _uses_crlf

    text, cur, unsafe = df.text, df, False
    todo = {i: list(CLEANUP_STEPS) for i in _cleanable(df, first, last)}
    while todo:
        chosen: list[Fix] = []
        for i in list(todo):
            steps = todo[i]
            k = _first_step(cur, cur.instructions[i], steps)
            fix = steps.pop(k)(cur, cur.instructions[i]) if k is not None else None
            if k is None or not steps:
                del todo[i]
            if fix is not None:
                chosen.append(fix)
        if not chosen:
            break
        try:
            new = apply_edits(text, [e for f in chosen for e in f.edits])
        except ValueError:  # edits of two RUNs overlap: not expected; give up rather than guess
            return None
        if new == text:
            continue
        starts, lengths = _line_starts(text)
        crlf = _uses_crlf(text)

        def changes(f: Fix) -> bool:
            for e in f.edits:
                a = _offset(e.span.start, starts, lengths, len(text))
                b = _offset(e.span.end, starts, lengths, len(text))
                if text[a:b] != (_to_crlf(e.new_text) if crlf and "\n" in e.new_text else e.new_text):
                    return True
            return False

        unsafe = unsafe or any(f.applicability is Applicability.UNSAFE and changes(f) for f in chosen)
        text, cur = new, _reparse(new, df, cur)
        if len(cur.instructions) != len(df.instructions):
            return None
    if text == df.text or not _safe_result(df, cur):
        return None
    e = diff_edit(df.text, text)
    app = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return Proposal(CLEANUP_TITLE, (e,), app, REWRITE) if e else None


# -- cache mounts --------------------------------------------------------------------------


def can_cache_mount(df: Dockerfile, first: int, last: int) -> bool:
    """Cheap test: a RUN in the lines installs with a package manager whose cache is not mounted."""
    from dockwise.rules._cachemount import plan

    for i in _runs_in(df, first, last):
        try:
            if plan(df, df.instructions[i]) is not None:
                return True
        except Exception:  # odd input: nothing to offer
            continue
    return False


def cache_mount_text(df: Dockerfile, ins: Instruction, reuse: bool = False) -> tuple[str, Dockerfile, Fix] | None:
    """``df``'s text with the cache-mount rewrite of ``ins`` applied, the new
    model and the fix, when the rewrite is offered and checked (see
    ``dockwise.rules._cachemount.verified``); else None. ``reuse``: let the
    parser take over ``df``'s unchanged instructions (only for a model no one
    else holds, see :func:`_reparse`)."""
    from dockwise.rules._cachemount import cache_mount_fix, verified

    fix = cache_mount_fix(df, ins)
    if fix is None:
        return None
    new_text = apply_edits(df.text, fix.edits)
    new = parse(new_text, path=df.path, previous=df if reuse else None)
    if not verified(df, ins, new):
        return None
    return new_text, new, fix


def use_cache_mount(df: Dockerfile, first: int, last: int) -> Proposal | None:
    """"Use a BuildKit cache mount" for the RUNs touching lines ``first..last``:
    mount the package managers' caches and drop the cleanups that become
    pointless (offered beside "Add package-manager cleanup")."""
    text, cur, unsafe, tools = df.text, df, False, []
    for i in _runs_in(df, first, last):
        try:
            got = cache_mount_text(cur, cur.instructions[i])
        except Exception:
            continue
        if got is None:
            continue
        text, cur, fix = got
        unsafe = unsafe or fix.applicability is Applicability.UNSAFE
        tools.append(fix.title)
    if text == df.text or not _safe_result(df, cur):
        return None
    e = diff_edit(df.text, text)
    title = tools[0] if len(tools) == 1 else CACHE_MOUNT_TITLE
    return Proposal(title, (e,), Applicability.UNSAFE if unsafe else Applicability.SAFE, REWRITE) if e else None


# The refactorings offered for a range of lines, in order: (cheap test, builder).
# The language server asks each; a feature adds its pair here.
REFACTORINGS: list[tuple[Callable[[Dockerfile, int, int], bool],
                         Callable[[Dockerfile, int, int], "Proposal | None"]]] = [
    (can_chain, chain_runs),
    (can_cleanup, add_cleanup),
    (can_cache_mount, use_cache_mount),
]


# -- fix all -------------------------------------------------------------------------------


def has_fixes(violations: Iterable[Violation], unsafe: bool) -> bool:
    """Whether fix-all has anything to apply."""
    allowed = (Applicability.SAFE, Applicability.UNSAFE) if unsafe else (Applicability.SAFE,)
    return any(v.fix is not None and v.fix.edits and v.fix.applicability in allowed for v in violations)


def fix_all(text: str, settings: LintSettings, path: str | None = None, unsafe: bool = False) -> Proposal:
    """Every safe fix (plus unsafe ones when asked) through the fix loop, so
    overlapping fixes converge; one edit (none when nothing changes)."""
    res = fix_text(text, settings, path, unsafe=unsafe)
    e = diff_edit(text, res.text)
    title = FIX_ALL_UNSAFE_TITLE if unsafe else FIX_ALL_TITLE
    return Proposal(title, (e,) if e else (), Applicability.UNSAFE if unsafe else Applicability.SAFE, FIX_ALL)
