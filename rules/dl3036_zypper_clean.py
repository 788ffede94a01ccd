r"""## What it does
Flags a `RUN` that installs or upgrades packages with `zypper` (`install`/
`in`, `update`/`up`, `dist-upgrade`/`dup`, `patch`) and does not run
`zypper clean` (`zypper cc`) or remove `/var/cache/zypp` with `rm -rf` later
in the same `RUN`.

## Why it matters
zypper keeps repository metadata and packages under `/var/cache/zypp`.
Anything left there when the `RUN` ends is part of the layer for good;
cleaning in a later `RUN` does not shrink the image.

A cache or tmpfs mount over `/var/cache/zypp` (or `/var/cache`) is
accepted, and so is `rm -r` of `/var/cache/zypp`, its contents or an
ancestor. `sudo zypper …`, `env … zypper …` and `sh -c "zypper …"` count as `zypper …`.

Differences from hadolint 2.15.1: `zypper update`, `dist-upgrade` and
`patch` fill the cache too and are checked (hadolint checks only `install`
and `in`); every install must be followed by a cleanup (hadolint compares
only the first install with the first cleanup); an `rm -rf` of the cache
directory is accepted.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y curl
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y curl \
    && zypper clean
```

## Fix
Appends ` \` + newline + `    && zypper clean` at the end of the `RUN`
(safe); in a `RUN` that spans several lines the new line is indented like
the last one. Not offered for exec-form or heredoc `RUN`s, or when the
appended command would not end up as a plain top-level command.

## References
- hadolint: DL3036
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import ZYPPER_CACHE_DIRS, mount_covers, rm_cache, uncleaned, zypper_cleans, zypper_installs
from ._runfix import append_commands_fix


def _clean(c) -> bool:
    return zypper_cleans(c) or rm_cache(c, ZYPPER_CACHE_DIRS)


@rule(
    code="DL3036",
    name="zypper-clean-missing",
    summary="`zypper clean` missing after a zypper install",
    severity=Severity.WARNING,
    tags=("zypper", "rpm", "size", "layers"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def zypper_clean(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    v = run_view(ins)
    bad = uncleaned(v, zypper_installs, _clean)
    if bad is None or mount_covers(v, ZYPPER_CACHE_DIRS):
        return []
    fix = append_commands_fix(df, ins, ["zypper clean"], "Append `zypper clean` to the RUN")
    return [Finding(bad.span, "`zypper clean` missing after zypper use.", fix)]
