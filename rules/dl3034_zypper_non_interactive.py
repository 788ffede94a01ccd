r"""## What it does
Flags `zypper install|in|remove|rm|source-install|si|patch` without a
non-interactive switch (`-n`/`--non-interactive` before the command, or
`-y`/`--no-confirm` after it), in `RUN` and `ONBUILD RUN`.

## Why it matters
Without it, zypper asks for confirmation; a build has no terminal, so the
step fails.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install httpd=2.4.58 && zypper clean
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## Differences from hadolint
The sub-command is the first operand, options that take a value are
skipped, and `sudo zypper …` counts. A `RUN` that cmd or PowerShell runs is
not checked.

## References
- hadolint: DL3034
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._assume_yes import missing_yes

MESSAGE = "Non-interactive switch missing from `zypper` command: `zypper install -y`"


@rule(
    code="DL3034",
    name="zypper-non-interactive",
    summary="Non-interactive switch missing from zypper command",
    severity=Severity.WARNING,
    tags=("zypper",),
    each="instruction",
    keywords=("RUN",),
)
def zypper_non_interactive(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return missing_yes(ins, frozenset({"zypper"}),
                       frozenset({"install", "in", "remove", "rm", "source-install", "si", "patch"}),
                       ("non-interactive", "n", "no-confirm", "y"), MESSAGE)
