r"""## What it does
Flags `yum install`, `yum groupinstall` or `yum localinstall` without `-y`
(`--assumeyes`), in `RUN` and `ONBUILD RUN`.

## Why it matters
Without `-y`, yum asks for confirmation; a build has no terminal, so yum
aborts and the build fails (or, with some versions, waits).

## Example
```dockerfile
FROM centos:7
RUN yum install httpd-2.4.6 && yum clean all
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## Differences from hadolint
The sub-command is the first operand (`yum -q install`), options that take a
value are skipped, and `sudo yum …` counts. A `RUN` that cmd or PowerShell
runs is not checked.

## References
- hadolint: DL3030
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._assume_yes import missing_yes

MESSAGE = "Use the -y switch to avoid manual input `yum install -y <package>`"


@rule(
    code="DL3030",
    name="yum-assume-yes",
    summary="Use the -y switch to avoid manual input with yum install",
    severity=Severity.WARNING,
    tags=("yum", "rpm"),
    each="instruction",
    keywords=("RUN",),
)
def yum_assume_yes(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return missing_yes(ins, frozenset({"yum"}), frozenset({"install", "groupinstall", "localinstall"}),
                       ("y", "assumeyes"), MESSAGE)
