r"""## What it does
Flags a `RUN` (including an `ONBUILD RUN` trigger, exec form and heredoc
scripts) that runs `sudo`, also behind another wrapper (`env … sudo …`) or
inside an `sh -c "…"` string.

## Why it matters
`RUN` already runs as the current `USER`; when that is root, `sudo` is
useless, and when it is not, `sudo` needs a password-less sudoers entry
that stays in the image and lets any process in the container become root.
`sudo` also has surprising TTY, signal and environment behaviour. Switch
with `USER root` for the steps that need it and back afterwards; to drop
privileges in an entrypoint, use a tool like `gosu` or `su-exec`.

## Example
```dockerfile
FROM debian:12
USER app
RUN sudo apt-get update
```

## Use instead
```dockerfile
FROM debian:12
USER root
RUN apt-get update
USER app
```

## References
- hadolint: DL3004
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule


@rule(
    code="DL3004",
    name="no-sudo",
    summary="Do not use sudo",
    severity=Severity.ERROR,
    tags=("security", "user"),
    each="instruction",
    keywords=("RUN",),
)
def no_sudo(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    found = [c for c in run_view(ins).commands if "sudo" in c.wrappers or c.name == "sudo"]
    if not found:
        return []
    return [Finding(found[0].span,
                    "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root",
                    related=tuple((c.span, "another sudo") for c in found[1:]))]
