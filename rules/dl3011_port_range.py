r"""## What it does
Flags an `EXPOSE` port, or either end of a port range, above 65535. Ports
given by a variable are not checked.

## Why it matters
TCP and UDP ports are 16-bit numbers; `docker build` accepts the text, but
the port can never be published.

## Example
```dockerfile
FROM nginx:1.27
EXPOSE 80000
```

## Use instead
```dockerfile
FROM nginx:1.27
EXPOSE 8000
```

## References
- hadolint: DL3011
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule

_PORT = lazyre.compile(r"(\d+)(?:-(\d+))?(?:/\w*)?")


@rule(
    code="DL3011",
    name="port-range",
    summary="Valid UNIX ports range from 0 to 65535",
    severity=Severity.ERROR,
    tags=("expose",),
    each="instruction",
    keywords=("EXPOSE",),
)
def port_range(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None:
        return []
    out = []
    for a in ins.args:
        m = _PORT.fullmatch(a.value.strip("\"'"))
        if m and any(int(g) > 65535 for g in m.groups() if g is not None):
            out.append(Finding(a.span, "Valid UNIX ports range from 0 to 65535"))
    return out
