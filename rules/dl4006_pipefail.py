r"""## What it does
Flags a `RUN` whose shell script has a pipe (`a | b`) when the `SHELL` in
effect does not set `-o pipefail`: no `SHELL` at all (`/bin/sh -c`), or one
that is not bash, zsh or ash with `-o pipefail` (`SHELL ["/bin/bash", "-o",
"pipefail", "-c"]`). A stage built `FROM` another stage inherits its
`SHELL`. A PowerShell or cmd `SHELL` (and a `RUN` they run) is exempt.

## Why it matters
A pipeline's status is that of its last command: `curl -fsSL $URL | tar -xz`
succeeds when the download fails, as long as `tar` exits 0, and the build
goes on with a broken layer. With `pipefail` the first failure fails the
build.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /usr/local
```

## Use instead
```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /usr/local
```

## Differences from hadolint
hadolint forgets the `SHELL` at every `FROM`, also `FROM <stage>`, whose
image keeps it; it matches the shell only as `/bin/bash`, `bash` and the
like (dockwise also accepts `/usr/bin/bash`); it re-joins an exec-form
`RUN ["bash", "-c", "a | b"]` into shell text and flags the quoted pipe
(dockwise reads the pipe as part of the `bash -c` string, run by bash, not by
the `SHELL`); and it checks `RUN`s that cmd runs on a Windows base image.
As in hadolint, `set -o pipefail` inside the `RUN` does not count (`/bin/sh`
may not know it), and `ONBUILD RUN` is not checked.

## References
- hadolint: DL4006
"""
from __future__ import annotations

from dockwise.syntax.commands import basename
from dockwise.syntax.model import Dockerfile, Instruction, Stage

from ._api import Finding, Severity, rule
from ._helpers import group_instructions, shell_commands

MESSAGE = ("Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an "
           "alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL "
           "to /bin/ash, or disable this check")
_PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ash"})
_NON_POSIX = ("pwsh", "powershell", "cmd")


def safe_shell(shell: Instruction) -> bool:
    """A SHELL that sets pipefail, or one that is not a POSIX shell at all."""
    args = [a.value for a in shell.args] if shell.json else shell.text.split()
    if not args:
        return False
    prog = basename(args[0].replace("\\", "/")).lower()
    if prog.startswith(_NON_POSIX) or args[0].lower().startswith(_NON_POSIX):
        return True
    if prog not in _PIPEFAIL_SHELLS:
        return False
    opts = args[1:]
    for k, v in enumerate(opts[:-1]):
        if v.startswith("-") and not v.startswith("--") and "o" in v[1:] and opts[k + 1] == "pipefail":
            return True
    return False


def _shell_at_end(df: Dockerfile, st: Stage, memo: dict) -> bool:
    """Whether the SHELL in effect at the end of ``st`` is safe."""
    if st.index in memo:
        return memo[st.index]
    memo[st.index] = False  # cycles cannot happen (parents come first), but be safe
    safe = _shell_at_end(df, df.stages[st.parent], memo) if st.parent is not None else False
    for ins in df.stage_instructions(st):
        if ins.keyword == "SHELL":
            safe = safe_shell(ins)
    memo[st.index] = safe
    return safe


@rule(
    code="DL4006",
    name="pipefail",
    summary="Set the SHELL option -o pipefail before RUN with a pipe in it",
    severity=Severity.WARNING,
    tags=("shell", "run"),
    each="group",
)
def pipefail(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out = []
    memo = df.derived.setdefault("dl4006.shell_at_end", {})
    safe = _shell_at_end(df, df.stages[st.parent], memo) if st is not None and st.parent is not None else False
    for ins in group_instructions(df, st):
        if ins.keyword == "SHELL":
            safe = safe_shell(ins)
        elif ins.keyword == "RUN" and not safe:
            piped = [c for c in shell_commands(ins) if c.in_pipe and c.shell is None]
            if piped:
                out.append(Finding(piped[0].span, MESSAGE))
    return out
