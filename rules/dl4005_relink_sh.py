r"""## What it does
Flags an `ln` whose arguments include `/bin/sh` (`ln -sf /bin/bash
/bin/sh`), in `RUN` and `ONBUILD RUN`.

## Why it matters
Relinking `/bin/sh` changes the shell of every script in the image, not just
of the build. To run the build's `RUN`s with bash, say so with `SHELL`.

## Example
```dockerfile
FROM debian:12
RUN ln -sf /bin/bash /bin/sh
```

## Use instead
```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
```

## References
- hadolint: DL4005
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import shell_commands


@rule(
    code="DL4005",
    name="relink-bin-sh",
    summary="Use SHELL to change the default shell",
    severity=Severity.WARNING,
    tags=("shell",),
    each="instruction",
    keywords=("RUN",),
)
def relink_sh(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return [Finding(c.span, "Use SHELL to change the default shell") for c in shell_commands(ins)
            if c.name == "ln" and c.has_arg("/bin/sh")]
