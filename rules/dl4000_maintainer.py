r"""## What it does
Flags the deprecated `MAINTAINER` instruction.

## Why it matters
`MAINTAINER` has been deprecated since Docker 1.13; the author belongs in a
label, where tools (and `docker inspect`) can find it.

## Example
```dockerfile
FROM alpine:3.20
MAINTAINER Jane Doe <jane@example.org>
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL maintainer="Jane Doe <jane@example.org>"
```

## Fix
Rewrites `MAINTAINER x` as `LABEL maintainer="x"` (safe); inside the quotes a
`"`, a `$` and the escape character are escaped with the file's escape
character (a backslash, or the backtick set by an `escape` directive), so
the label holds exactly the MAINTAINER text.

## BuildKit
This rule is also BuildKit's **MaintainerDeprecated** check: both flag every
`MAINTAINER`, in every stage, so dockwise has one rule for both (no double
report) that answers to either name (`--select MaintainerDeprecated`,
`# check=skip=MaintainerDeprecated`). It keeps hadolint's code, severity
(error) and message; BuildKit reports it as a warning ("Maintainer instruction
is deprecated in favor of using label").

## References
- hadolint: DL4000
- BuildKit build check: MaintainerDeprecated (https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Edit, Finding, Fix, Severity, rule


def _quote(value: str, escape: str) -> str:
    """``value`` as a double-quoted LABEL value: inside the quotes the file's
    escape character (backslash, or the backtick of an escape directive)
    escapes a double quote, a dollar sign and itself; all else is literal."""
    return '"' + value.replace(escape, escape * 2).replace('"', escape + '"').replace("$", escape + "$") + '"'


@rule(
    code="DL4000",
    name="maintainer-deprecated",
    summary="MAINTAINER is deprecated",
    severity=Severity.ERROR,
    tags=("deprecated", "buildkit"),
    aliases=("MaintainerDeprecated",),
    fixable=True,
    each="instruction",
    keywords=("MAINTAINER",),
)
def maintainer(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out: list[Finding] = []
    if ins.keyword == "MAINTAINER":  # not ONBUILD MAINTAINER
        fix = None
        if ins.start_line == ins.end_line and ins.text:
            edit = Edit(ins.span, f"LABEL maintainer={_quote(ins.text, df.escape)}")
            fix = Fix.safe("Replace MAINTAINER with LABEL maintainer=…", edit)
        out.append(Finding(ins.span, "MAINTAINER is deprecated", fix))
    return out
