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
that does not end in a plain command (a trailing `;`, `&`, comment or `exit`) or that
`exec`s a command (the shell is replaced: nothing after it runs).

Withheld when a later `RUN` of the stage, a `RUN` of a stage built `FROM` it,
or an `ONBUILD RUN` there, uses the lists without its own `apt-get update`
first (an install, upgrade, `apt-cache` query … however it is run: through
`sudo`, `env`, `xargs`, `eatmydata`, `nice`, `timeout`, `bash -c "…"`): that
`RUN` would fail without them. Give it its own update, or chain it into this
`RUN` (DW002 moves a lone update there), and the fix comes back. **Unsafe**
when a later `RUN` runs something whose commands cannot be seen (a script,
`make`, a command named by a variable).

## Differences from hadolint
hadolint accepts any `rm` with `-rf` as cleanup (`rm -rf /tmp/build` hides the
finding), and a cleanup placed *before* the update; it rejects `rm -r
/var/lib/apt/lists` (no `-rf`, no `/*`) and `apt-get dist-clean`. dockwise
requires the lists themselves to be removed after the update.
`/usr/bin/apt-get` counts as apt-get, and commands are seen through wrappers
(`sudo apt-get update`, `bash -c "apt-get update"`).

## References
- hadolint: DL3009
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction, Span

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import relevant_stages
from ._pm import LISTS, apt_lists_kept_out, apt_lists_needed_later, apt_updates, removes_apt_lists
from ._pm import unknown_script_later
from ._runfix import end_of_text

MESSAGE = "Delete the apt lists (/var/lib/apt/lists) after installing something"  # hadolint's text
_COMMENT = lazyre.compile(r"(?:^|[\s;&|()])#")


def _fix(df: Dockerfile, ins: Instruction) -> Fix | None:
    eff = ins.effective
    v = run_view(ins)
    if eff.json or eff.heredocs or v.dialect != "bash" or not v.ok or not v.commands:
        return None
    text = eff.text.rstrip()
    # a shell comment runs to the end of the joined text and would swallow the edit
    if not text or text[-1] in ";&|\\(`" or _COMMENT.search(text):
        return None
    last = max(v.simple, key=lambda c: c.span.end)
    if last.background or last.name == "exit" or any("exec" in c.wrappers for c in v.simple):
        return None  # the shell ends (or is replaced) first: the cleanup would never run
    if apt_lists_needed_later(df, ins) is not None:
        return None  # a later RUN installs with the lists this RUN fetched: it would fail
    at = end_of_text(ins)
    title = "Delete the apt lists at the end of the RUN"
    edit = Edit(Span(at, at), f" {df.escape}\n    && rm -rf {LISTS}/*")
    return Fix.unsafe(title, edit) if unknown_script_later(df, ins) else Fix.safe(title, edit)


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
    for ins in df.instructions:
        if ins.effective.keyword != "RUN" or ins.stage not in stages:
            continue
        v = run_view(ins)
        pending = None  # the first update not followed by a cleanup
        for c in v.commands:
            if apt_updates(c):
                pending = pending or c
            elif pending is not None and removes_apt_lists(c):
                pending = None
        if pending is not None and not apt_lists_kept_out(v):
            out.append(Finding(pending.span, MESSAGE, _fix(df, ins)))
    return out
