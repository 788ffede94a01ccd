r"""## What it does
Flags each package of an `apt-get install` that is not pinned to a version:
a package word without `=` (`curl=7.88.1-10+deb12u5`), without `/` (a
release, `curl/bookworm-backports`, or a path) and not ending in `.deb`.
Checked in every `RUN`, `ONBUILD RUN` and heredoc script.

A word that is exactly a variable (`$PKGS`, `"${PKGS}"`) is looked up: when
the ARG/ENV in scope has a known value, each package of it is checked and the
word is flagged only if one of them is unpinned; an unknown variable is
flagged, as hadolint does.

## Why it matters
Without a version the build installs whatever the mirror has that day: the
same Dockerfile builds different images, and an upstream change can break a
build that used to work. Pinning makes rebuilds reproducible and upgrades
deliberate.

Pinning has a cost: Debian and Ubuntu mirrors drop old versions, so a pinned
build fails once a security update supersedes the version. Many teams prefer
to pin the base image by digest and leave the packages floating; disable this
rule if that is your policy.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
    && rm -rf /var/lib/apt/lists/*
```

## Differences from hadolint
Options are parsed: the values of `-o`, `-t`, `-c`, `-a` and their long forms
are not packages (hadolint reads `apt-get install -a arm64 x=1` as installing a
package `arm64`), `--` is not a package, `install` must be the sub-command
(hadolint takes any word `install`), and `/usr/bin/apt-get` counts as apt-get.
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3008
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import apt_installs, unpinned_findings


def pinned(pkg: str) -> bool:
    return "=" in pkg or "/" in pkg or pkg.endswith(".deb")


# hadolint's text (tests/hadolint_spec/test_messages.py compares)
MESSAGE = (
    "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get "
    "install <package>=<version>`"
)


@rule(
    code="DL3008",
    name="apt-get-pin-versions",
    summary="Pin versions in apt-get install",
    severity=Severity.WARNING,
    tags=("apt", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def apt_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for cmd in run_view(ins).commands:
        p = apt_installs(cmd)
        if p is None:
            continue
        out += unpinned_findings(df, ins, p.after_subcommand(), pinned, MESSAGE)
    return out
