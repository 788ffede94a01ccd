r"""## What it does
Flags `useradd` with a user id of six digits or more (`-u 123456`,
`--uid=123456`) and without `-l` (`--no-log-init`), in `RUN` and
`ONBUILD RUN`. A variable id is expanded when its value is known.

## Why it matters
`useradd` records every user in the sparse files `/var/log/lastlog` and
`/var/log/faillog`, at an offset proportional to the uid. Layers do not keep
files sparse: a uid of 1,000,000 adds hundreds of megabytes of zeros to the
image. `-l` skips the lastlog entry.

## Example
```dockerfile
FROM debian:12
RUN useradd -u 123456 app
```

## Use instead
```dockerfile
FROM debian:12
RUN useradd -l -u 123456 app
```

## Differences from hadolint
`--uid=123456` and `--uid 123456` count (hadolint reads only `-u`); a uid
written as a variable is judged on its value when known and skipped when not
(hadolint measures the text, so `-u ${UID}` is "long").

## References
- hadolint: DL3046
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import known_value, shell_commands

MESSAGE = "`useradd` without flag `-l` and high UID will result in excessively large Image."


@rule(
    code="DL3046",
    name="useradd-high-uid",
    summary="useradd without -l and a high UID makes the image excessively large",
    severity=Severity.WARNING,
    tags=("user", "size"),
    each="instruction",
    keywords=("RUN",),
)
def useradd_high_uid(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for c in shell_commands(ins):
        if c.name != "useradd" or c.has_flag("l", "no-log-init"):
            continue
        for uid in c.flag_values("u", "uid"):
            value = known_value(df, ins, uid) if "$" in uid else uid
            if value is not None and len(value.strip()) > 5:
                out.append(Finding(c.span, MESSAGE))
                break
    return out
