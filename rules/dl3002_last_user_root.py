r"""## What it does
Flags the last `USER` of a stage when it switches to root: `root`, `0`,
`root:<group>` or `0:<group>`, after quote removal and after expanding
variables whose value is known (`ARG RUN_AS=root` … `USER ${RUN_AS}`).

## Why it matters
A container whose process runs as root gives an attacker who breaks out of
the application root inside the container, and root on the host when
combined with a kernel or runtime escape. Switch back to an unprivileged
user once the steps that need root are done.

As in hadolint, every stage is checked, and a stage without any `USER` is
not flagged (the base image's default user is unknown). Switching to root
for a few steps and back to another user is fine.

Difference from hadolint 2.15.1, which compares the raw text: `USER root `
(trailing blank), `USER "root"` and `USER ${RUN_AS}` with a known value of
`root` are flagged here, since BuildKit runs all three as root.

## Example
```dockerfile
FROM debian:12
RUN useradd --create-home app
USER root
```

## Use instead
```dockerfile
FROM debian:12
RUN useradd --create-home app
USER app
```

## References
- hadolint: DL3002
"""
from __future__ import annotations

from dockwise.syntax.expand import ExpandError, expand_detailed
from dockwise.syntax.model import Dockerfile, Instruction, Stage

from ._api import Finding, Severity, rule


def _user(df: Dockerfile, ins: Instruction) -> str | None:
    text = ins.text.strip()
    stage = df.stage_of(ins)

    def env(name: str) -> str | None:
        v = df.lookup_var(stage, name, ins.index)
        return None if v is None else v.value

    try:
        value, _, unset = expand_detailed(text, env, df.escape)
    except ExpandError:
        return None
    return None if unset else value


def is_root(user: str) -> bool:
    return user in ("root", "0") or user.startswith(("root:", "0:"))


@rule(
    code="DL3002",
    name="last-user-root",
    summary="Last USER should not be root",
    severity=Severity.WARNING,
    tags=("security", "user"),
    each="group",  # the last USER per stage, its variables
)
def last_user_root(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out: list[Finding] = []
    for stage in () if st is None else (st,):
        last = None
        for ins in df.stage_instructions(stage):
            if ins.keyword == "USER":
                last = ins
        if last is None:
            continue
        user = _user(df, last)
        if user is not None and is_root(user):
            span = last.text_map.span(0, len(last.text.rstrip())) if last.text.strip() else last.keyword_span
            out.append(Finding(span, "Last USER should not be root"))
    return out
