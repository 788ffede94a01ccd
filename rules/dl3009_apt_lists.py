r"""## What it does
Flags an `apt-get update` (or `apt update`, `aptitude update`) in a `RUN`
that does not delete the package lists *after* it in the same `RUN`, in a
stage that ends up in an image (the last stage, or a stage another stage is
built `FROM`). Checked in `ONBUILD RUN` and heredoc scripts too.

Deleting the lists means a recursive `rm` (`rm -rf`, `rm -fr`, `rm -r`,
`rm -R`, `rm --recursive`…) of `/var/lib/apt/lists` or `/var/lib/apt/lists/*`
(with or without a trailing `/`, possibly among other paths) or of a parent
such as `/var/lib/apt`, or `apt-get dist-clean` / `apt-get distclean`
(apt 2.7.8+, Debian 13: removes the lists but the small Release files).
`apt-get clean` does **not** count: it empties `/var/cache/apt/archives` and
keeps the lists.

A cache or tmpfs mount over `/var/lib/apt/lists` (or over both `/var/lib/apt`
and `/var/cache/apt`) keeps the lists out of the image and is accepted.

## Why it matters
`apt-get update` downloads tens of megabytes of package indexes into
`/var/lib/apt/lists`. Deleting them in a later `RUN` does not shrink the image:
the layer that wrote them still ships. Clean up in the same `RUN`, after the
last install.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && apt-get clean
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## Fix
Appends `&& rm -rf /var/lib/apt/lists/*` on a new continuation line at the end
of the `RUN` (safe). Not offered for heredoc or exec-form `RUN`s, for a script
that does not end in a plain command (a trailing `;`, `&`, comment or `exit`).
**Unsafe** when a later `RUN` of the stage (or of a stage built from it) uses
apt without its own `apt-get update`: that `RUN` would lose the lists it relies
on (chain it into this one, or give it its own update, first).

## Differences from hadolint
hadolint accepts any `rm` with `-rf` as cleanup (`rm -rf /tmp/build` hides the
finding), and a cleanup placed *before* the update; it rejects `rm -r
/var/lib/apt/lists` (no `-rf`, no `/*`) and `apt-get dist-clean`. dockwise
requires the lists themselves to be removed after the update.
`/usr/bin/apt-get` counts as apt-get.

## References
- hadolint: DL3009
"""
from __future__ import annotations

import re

from dockwise.syntax.model import Dockerfile, Instruction, ShellCommand, Span
from dockwise.syntax.shell import unquote_word

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import cache_mount_targets, relevant_stages
from ._packages import OptSpec, apt_like, end_of_text, is_program, parse_options, run_commands

MESSAGE = "Delete the apt-get lists after installing something"
LISTS = "/var/lib/apt/lists"
_LIST_PATHS = frozenset({LISTS, "/var/lib/apt"})
_RM = OptSpec()
# apt sub-commands that work without package lists
_NO_LISTS_NEEDED = frozenset(
    {"clean", "autoclean", "auto-clean", "distclean", "dist-clean", "remove", "purge", "autoremove", "auto-remove"}
)
_COMMENT = re.compile(r"(?:^|[\s;&|()])#")


def _mount_exempt(ins: Instruction) -> bool:
    targets = [t.rstrip("/") for t in cache_mount_targets(ins)]
    if LISTS in targets:
        return True
    return "/var/lib/apt" in targets and "/var/cache/apt" in targets


def _is_update(cmd: ShellCommand) -> bool:
    p = apt_like(cmd)
    return p is not None and p.subcommand is not None and p.subcommand.value == "update"


def _removes_lists(cmd: ShellCommand) -> bool:
    """``rm -rf /var/lib/apt/lists/*`` and friends; ``apt-get distclean``."""
    p = apt_like(cmd)
    if p is not None:
        return p.subcommand is not None and p.subcommand.value in ("distclean", "dist-clean")
    if not is_program(cmd, "rm"):
        return False
    p = parse_options(cmd, cmd.args, _RM)
    if not p.has("r", "R", "recursive"):
        return False
    for w in p.operands:
        path = unquote_word(w.raw) if not w.static else w.value
        while path.endswith("/*") or (path.endswith("/") and len(path) > 1):
            path = path[:-2] if path.endswith("/*") else path[:-1]
        if path in _LIST_PATHS:
            return True
    return False


def _uses_lists(other: Instruction) -> bool:
    """A RUN that runs apt without its own update (it needs lists made earlier)."""
    cmds = run_commands(other)
    if any(_is_update(c) for c in cmds):
        return False
    for c in cmds:
        p = apt_like(c) if not is_program(c, "apt-cache") else parse_options(c, c.args, _RM)
        if p is None or p.subcommand is None:
            continue
        if p.subcommand.value not in _NO_LISTS_NEEDED:
            return True
    return False


def _last_users(df: Dockerfile) -> dict[int, int]:
    """Per stage: the index of the last RUN that needs the apt lists, in the
    stage or in a stage built FROM it (directly or not). One pass over the
    instructions and one over the stages, children before parents; memoised
    on the model."""
    got = df.derived.get(__name__ + ".last_users")
    if got is not None:
        return got
    last: dict[int, int] = {}
    df.derived[__name__ + ".last_users"] = last
    for other in df.instructions:
        if other.effective.keyword == "RUN" and _uses_lists(other):
            last[other.stage] = other.index
    for s in reversed(df.stages):
        p = s.parent
        if p is not None and p != s.index and s.index in last:
            last[p] = max(last.get(p, -1), last[s.index])
    return last


def _needs_lists_later(df: Dockerfile, ins: Instruction, users: dict[int, int]) -> bool:
    """A later RUN of this stage (or of a stage built from it) runs apt without
    its own update: removing the lists here would break it."""
    st = df.stage_of(ins)
    if st is None:
        return False
    return users.get(st.index, -1) > ins.index


def _fix(df: Dockerfile, ins: Instruction, users: dict[int, int] | None = None) -> Fix | None:
    eff = ins.effective
    sh = eff.shell
    if sh is None or eff.json or eff.heredocs or sh.dialect != "bash" or not sh.ok or not sh.commands:
        return None
    text = eff.text.rstrip()
    # a shell comment runs to the end of the joined text and would swallow the edit
    if not text or text[-1] in ";&|\\(`" or _COMMENT.search(text):
        return None
    last = max(sh.commands, key=lambda c: c.span.end)
    if last.background or is_program(last, "exit"):
        return None
    at = end_of_text(ins)
    new = f" {df.escape}\n    && rm -rf {LISTS}/*"
    title = "Delete the apt lists at the end of the RUN"
    if _needs_lists_later(df, ins, users if users is not None else _last_users(df)):
        # a later RUN installs with apt without updating: it would lose the lists
        return Fix.unsafe(title, Edit(Span(at, at), new))
    return Fix.safe(title, Edit(Span(at, at), new))


@rule(
    code="DL3009",
    name="apt-lists-not-deleted",
    summary="Delete the apt-get lists after installing something",
    severity=Severity.INFO,
    tags=("apt", "size", "layers"),
    fixable=True,
)
def apt_lists(df: Dockerfile, ctx) -> list[Finding]:
    stages = relevant_stages(df)
    out = []
    users: dict[int, int] | None = None  # _last_users(df), on the first fix
    for ins in df.instructions:
        eff = ins.effective
        if eff.keyword != "RUN" or eff.shell is None or ins.stage not in stages:
            continue
        pending = None  # the first update not followed by a cleanup
        for c in run_commands(ins):
            if _is_update(c):
                if pending is None:
                    pending = c
            elif pending is not None and _removes_lists(c):
                pending = None
        if pending is None or _mount_exempt(ins):
            continue
        if users is None:
            users = _last_users(df)
        out.append(Finding(pending.span, MESSAGE, _fix(df, ins, users)))
    return out
