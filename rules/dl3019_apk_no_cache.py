r"""## What it does
Flags an `apk add` without `--no-cache`. Checked in every `RUN`,
`ONBUILD RUN` and heredoc script. A cache or tmpfs mount over
`/var/cache/apk` keeps the cache out of the image and is accepted.

## Why it matters
Without `--no-cache`, apk stores the package index (and, with a cache
configured, the downloaded packages) under `/var/cache/apk`, and that layer
ships in the image. `apk add --no-cache` fetches a fresh index into memory and
leaves nothing behind, so neither `apk update` nor `rm -rf /var/cache/apk/*`
is needed.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add curl~8.9
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl~8.9
```

## Fix
Inserts `--no-cache` after `add` (safe). When the `RUN` is a plain `&&` chain
with this one `apk add` and, after it, an `rm` whose only paths are
`/var/cache/apk/*` (or the folder), that now-pointless `rm` is dropped with its
`&&`. Anything else (an `apk update`, an `rm` of other paths too) is left in
place: it becomes redundant, not wrong.

## Differences from hadolint
`add` must be the sub-command (hadolint also flags `apk del add`) and
`/sbin/apk` counts as apk.
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3019
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction, Span

from ._api import Edit, Finding, Fix, Severity, rule
from ._pm import apk_adds
from ._runfix import add_option, and_chain, plain_run

MESSAGE = (
    "Use the `--no-cache` switch to avoid the need to use `--update` and remove "
    "`/var/cache/apk/*` when done installing packages"
)


@rule(
    code="DL3019",
    name="apk-no-cache",
    summary="Use apk add --no-cache",
    severity=Severity.INFO,
    tags=("apk", "size"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def apk_no_cache(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    v = run_view(ins)
    if any("/var/cache/apk" in t for t in v.cache_targets):
        return out
    for cmd in v.commands:
        p = apk_adds(cmd)
        if p is None or p.has("no-cache"):
            continue
        edit = add_option(ins, cmd, "--no-cache")
        drop = _drop_cache_rm(ins)
        fix = (None if edit is None else Fix.safe("Add --no-cache and drop the rm of /var/cache/apk", edit, drop)
               if drop else Fix.safe("Add --no-cache", edit))
        out.append(Finding(cmd.span, MESSAGE, fix))
    return out


_CACHE_PATHS = frozenset(("/var/cache/apk/*", "/var/cache/apk", "/var/cache/apk/"))
_RM_FLAGS = frozenset(("-r", "-f", "-rf", "-fr", "-R", "-Rf", "-fR", "--recursive", "--force"))


def _drop_cache_rm(ins) -> Edit | None:
    """The edit removing ``&& rm -rf /var/cache/apk/*`` from a plain ``&&``
    chain whose only apk install is before it; None when not that simple."""
    if not plain_run(ins):
        return None
    text = ins.text.rstrip()
    cmds = and_chain(text)
    if not cmds:
        return None
    adds = [i for i, c in enumerate(cmds) if apk_adds(c) is not None]
    rms = [
        i for i, c in enumerate(cmds)
        if c.name == "rm" and not c.assignments
        and any(w.raw in _CACHE_PATHS for w in c.args)
        and all(w.raw in _CACHE_PATHS or w.raw in _RM_FLAGS for w in c.args)
    ]
    if len(adds) != 1 or len(rms) != 1 or rms[0] < adds[0]:
        return None
    k = rms[0]
    if k + 1 < len(cmds):  # `rm … && next`: remove up to the next command
        start, end = cmds[k].span.start.col, cmds[k + 1].span.start.col
        return Edit(Span(ins.text_map.pos(start), ins.text_map.pos(end)), "")
    start, end = cmds[k - 1].span.end.col, cmds[k].span.end.col  # `prev && rm …` at the end
    return Edit(Span(ins.text_map.end_pos(start), ins.text_map.end_pos(end)), "")
