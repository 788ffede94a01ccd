r"""## What it does
Flags a `pip install` (any spelling of pip: `pip`, `pip3`, `pip3.12`,
`/opt/venv/bin/pip`, `python3 -m pip`; not `pipx` or `pipenv`) without
`--no-cache-dir`, unless pip's cache is off anyway:

* `PIP_NO_CACHE_DIR` is set where the `RUN` runs: an `ENV` (or an `ARG` with a
  default) earlier in the stage or in a stage it is built `FROM`, an
  assignment prefix (`PIP_NO_CACHE_DIR=1 pip install …`) or an earlier
  `export PIP_NO_CACHE_DIR=…` in the same `RUN`;
* a cache or tmpfs mount over pip's cache folder or a folder holding it
  (`/root/.cache/pip`, `/root/.cache`, `$HOME/.cache/pip`, `/home/app/.cache`,
  any target containing `.cache/pip`; whatever its `id=` or `sharing=`) keeps
  the cache out of the image: the `RUN` is not reported, and not fixed.

Checked in every `RUN`, `ONBUILD RUN` and heredoc script. An `ONBUILD RUN`
runs in the child build, where every `ENV` of this image applies (wherever it
is in the stage) and earlier `ONBUILD ENV` triggers too, but no `ARG`.

## Why it matters
pip keeps every downloaded wheel and source archive in `~/.cache/pip`. In a
container build nothing reuses that cache, yet it ships in the layer, often
tens or hundreds of megabytes.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install requests==2.32.3
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir requests==2.32.3
```

## Fix
Inserts `--no-cache-dir` after `install` (safe: only the cache is affected).

`PIP_NO_CACHE_DIR` exempts only with a true value (`1`, `true`, `on`, `yes`,
any case), as in hadolint: `PIP_NO_CACHE_DIR=0` (`false`, `no`, `off`) reads
as "keep the cache" and is flagged, although pip, for backwards
compatibility, turns the cache off for those values too (`_handle_no_cache_dir`
in pip's sources); write `1` or `--no-cache-dir` so that what the Dockerfile
says is what pip does.

## Differences from hadolint
An `ARG PIP_NO_CACHE_DIR=1` counts (build arguments are in
the environment of `RUN`). The text `PIP_NO_CACHE_DIR=1` elsewhere in the
`RUN` (an `echo`, a plain `X=1;` assignment that is not exported) does not
count, because pip never sees it; hadolint searches the raw text. `install`
must be the sub-command and pip called by path is recognised. hadolint accepts
only a cache mount whose target contains `.cache/pip` (not `/root/.cache`).
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3042
"""
from __future__ import annotations

from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.expand import unquote
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Fix, Severity, rule
from ._pm import pip_cache_mounted, pip_installs
from ._helpers import pre_from_var
from ._runfix import add_option

MESSAGE = "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`"
VAR = "PIP_NO_CACHE_DIR"
# the values that say "no cache" (hadolint's list); pip also turns the cache off
# for false-ish values, but a reader takes `PIP_NO_CACHE_DIR=0` to mean "keep it"
_VALID = frozenset({"1", "true", "on", "yes"})


def _valid(value: str | None) -> bool:
    return value is not None and unquote(value).strip().lower() in _VALID


def _assigned(text: str) -> bool:
    name, eq, value = text.partition("=")
    return bool(eq) and name == VAR and _valid(value)


def _env_in_image(df: Dockerfile, ins: Instruction) -> bool:
    """For an ONBUILD trigger: ENV anywhere in the stage chain, or an earlier
    ONBUILD ENV trigger of the stage chain."""
    st = df.stage_of(ins)
    if st is None:
        return False
    for s in df.stage_chain(st):
        for v in s.vars:
            if v.name == VAR and v.kind == "ENV" and _valid(v.value):
                return True
        for i in s.instructions:
            other = df.instructions[i]
            if s.index == st.index and i >= ins.index:
                break
            t = other.trigger
            if t is not None and t.keyword == "ENV":
                if any(kv.key == VAR and _valid(kv.value) for kv in t.pairs):
                    return True
    return False


def cache_disabled(df: Dockerfile, ins: Instruction, cmds: list[Command], cmd: Command) -> bool:
    if any(_assigned(a) for a in cmd.assignments):
        return True
    for c in cmds:
        if c is cmd or c.span.start >= cmd.span.start:
            break
        if c.name == "export" and any(_assigned(w.value) for w in c.args):
            return True
    if ins.trigger is not None:
        return _env_in_image(df, ins)
    st = df.stage_of(ins)
    if st is None:  # before the first FROM
        d = pre_from_var(df, ins, VAR)
        return d is not None and _valid(d[1])
    v = df.lookup_var(st, VAR, ins.index)
    return v is not None and _valid(v.value)


@rule(
    code="DL3042",
    name="pip-no-cache-dir",
    summary="Avoid use of cache directory with pip",
    severity=Severity.WARNING,
    tags=("pip", "python", "size"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def pip_no_cache_dir(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    v = run_view(ins)
    if pip_cache_mounted(v):
        return out
    for cmd in v.commands:
        p = pip_installs(cmd)
        if p is None or p.has("no-cache-dir") or cache_disabled(df, ins, v.commands, cmd):
            continue
        edit = add_option(ins, cmd, "--no-cache-dir")
        out.append(Finding(cmd.span, MESSAGE, Fix.safe("Add --no-cache-dir", edit) if edit else None))
    return out
