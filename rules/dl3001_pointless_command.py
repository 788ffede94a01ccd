r"""## What it does
Flags a `RUN` (or `ONBUILD RUN`) that runs one of `free`, `kill`, `mount`,
`ps`, `service`, `shutdown`, `ssh`, `top` or `vim`, also behind a wrapper
(`sudo service nginx start`) or in an `sh -c` string.

## Why it matters
These are interactive or host-administration commands: a build has no
terminal, no init system and no processes of its own to inspect, so they do
nothing useful there (`service x start` starts a process that dies with the
build step) or hang the build (`vim`, `top`).

## Example
```dockerfile
FROM ubuntu:24.04
RUN service nginx start
```

## Use instead
```dockerfile
FROM ubuntu:24.04
CMD ["nginx", "-g", "daemon off;"]
```

## Differences from hadolint
Commands behind `sudo`/`env`/… and in `sh -c` strings count (hadolint only
sees the first word). A `RUN` that cmd or PowerShell runs is not shell and is
not checked. As in hadolint, `ifconfig` is named in the message but not
checked.

## References
- hadolint: DL3001
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import shell_commands

MESSAGE = ("For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, "
           "`shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`")
POINTLESS = frozenset({"free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim"})


@rule(
    code="DL3001",
    name="pointless-command",
    summary="Commands that make no sense in a container (ssh, vim, shutdown, service, …)",
    severity=Severity.INFO,
    tags=("run",),
    each="instruction",
    keywords=("RUN",),
)
def pointless_command(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return [Finding(c.span, MESSAGE) for c in shell_commands(ins) if c.name in POINTLESS]
