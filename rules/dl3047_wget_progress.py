r"""## What it does
Flags `wget` without `--progress=…` and without any of `-q`/`--quiet`,
`-nv`/`--no-verbose`, `-o`/`--output-file` or `-a`/`--append-output`, in
`RUN` and `ONBUILD RUN`.

## Why it matters
wget's default progress bar writes a line for every few kilobytes when it
has no terminal: a large download floods the build log with thousands of
lines. `--progress=dot:giga` or `-nv` keep the log readable.

## Example
```dockerfile
FROM debian:12
RUN wget https://example.com/tool.tar.gz
```

## Use instead
```dockerfile
FROM debian:12
RUN wget --progress=dot:giga https://example.com/tool.tar.gz
```

## Differences from hadolint
`sudo wget` and wget in an `sh -c` string count; options that take a value
are read as wget reads them (`-O -q` writes to a file named `-q`). A `RUN`
that cmd or PowerShell runs is not checked (PowerShell's `wget` is
`Invoke-WebRequest`).

## References
- hadolint: DL3047
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import shell_commands

MESSAGE = ("Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. "
           "Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).")
QUIET = ("progress", "q", "quiet", "o", "output-file", "a", "append-output", "no-verbose")


@rule(
    code="DL3047",
    name="wget-progress",
    summary="Avoid use of wget without progress bar",
    severity=Severity.INFO,
    tags=("wget", "logs"),
    each="instruction",
    keywords=("RUN",),
)
def wget_progress(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return [Finding(c.span, MESSAGE) for c in shell_commands(ins)
            if c.name == "wget" and not c.has_flag(*QUIET) and not c.has_arg("-nv")]
