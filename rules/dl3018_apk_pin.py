r"""## What it does
Flags each package of an `apk add` that is not pinned to a version: a package
word without `=`, `~`, `>` or `<` (`curl=8.9.1-r0`, `curl~8.9`, `"curl>8"`)
and not ending in `.apk`. Checked in every `RUN`, `ONBUILD RUN` and heredoc
script.

A word that is exactly a variable (`$PKGS`) is looked up: when the ARG/ENV in
scope has a known value each of its packages is checked; an unknown variable
is flagged, as hadolint does.

## Why it matters
Without a version the build installs whatever the Alpine repository has that
day: the same Dockerfile builds different images. Pin (`~` pins the
major.minor and still takes security fixes) so that upgrades are deliberate.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl~8.9
```

## Differences from hadolint
Options are parsed: the values of `-t`/`--virtual`, `-X`/`--repository`,
`-p`/`--root` and the other value-taking options are not packages (hadolint
reads `apk add --root /x curl=1` as installing `/x`), `--` is not a package,
`add` must be the sub-command and `/sbin/apk` counts as apk.
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3018
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import apk_adds, unpinned_findings


def pinned(pkg: str) -> bool:
    return any(c in pkg for c in "=~<>") or pkg.endswith(".apk")


# hadolint's text (tests/hadolint_spec/test_messages.py compares)
MESSAGE = (
    "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`"
)


@rule(
    code="DL3018",
    name="apk-pin-versions",
    summary="Pin versions in apk add",
    severity=Severity.WARNING,
    tags=("apk", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def apk_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for cmd in run_view(ins).commands:
        p = apk_adds(cmd)
        if p is None:
            continue
        out += unpinned_findings(df, ins, p.after_subcommand(), pinned, MESSAGE)
    return out
