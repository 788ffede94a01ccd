r"""## What it does
Flags a `RUN` that installs or upgrades packages with `yum` (`install`,
`groupinstall`, `localinstall`, `reinstall`, `update`/`upgrade`,
`downgrade`, `distro-sync`, `group install`, …) and does not run
`yum clean all` (or remove the yum cache directory with `rm -rf`) later in
the same `RUN`.

## Why it matters
yum keeps the repository metadata (often more than 100 MB) and, depending on
`keepcache`, the downloaded packages under `/var/cache/yum`. Anything left
there when the `RUN` ends is baked into the layer; deleting it in a later
`RUN` does not shrink the image. Clean up in the same `RUN`, after the last
install.

Accepted as cleanup, when it comes after the install: `yum clean all` or
`dnf clean all` (on RHEL 8 and later `yum` is dnf), and `rm -r` of
`/var/cache/yum`, `/var/cache/dnf`, `/var/cache/libdnf5`, their contents
(`/var/cache/yum/*`) or an ancestor (`/var/cache`). A cache or tmpfs mount
over one of these directories keeps the cache out of the image and is
accepted too. `sudo yum …`, `env … yum …` and `sh -c "yum …"` count as `yum …`.

Deliberate differences from hadolint 2.15.1, which accepts *any* `yum`
command with an argument `clean` or `all` and *any* `rm -rf`:
- `yum clean metadata` or `yum clean packages` alone is not enough (each
  leaves half of the cache behind), and `rm -rf /tmp/foo` is not a cleanup
  of the yum cache;
- a cleanup placed before the install does not count (hadolint #957);
- `yum update`/`upgrade` and the other sub-commands above fill the cache
  just like `install` and are checked too (hadolint checks only `install`).

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd \
    && yum clean all
```

## Fix
Appends ` \` + newline + `    && yum clean all` at the end of the `RUN`
(safe); in a `RUN` that spans several lines the new line is indented like
the last one. Not offered for exec-form or heredoc `RUN`s, or when the
script's last command is `exit`/`exec` or the appended command would not
end up as a plain top-level command (for example after a trailing shell
comment).

## References
- hadolint: DL3032
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import RPM_CACHE_DIRS, mount_covers, rm_cache, rpm_cleans_all, rpm_installs, uncleaned
from ._runfix import append_commands_fix

MESSAGE = "`yum clean all` missing after yum command."


def _install(c) -> bool:
    return rpm_installs(c, ("yum",))


def _clean(c) -> bool:
    return rpm_cleans_all(c, ("yum", "dnf")) or rm_cache(c, RPM_CACHE_DIRS)


@rule(
    code="DL3032",
    name="yum-clean-missing",
    summary="`yum clean all` missing after a yum install",
    severity=Severity.WARNING,
    tags=("yum", "rpm", "size", "layers"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def yum_clean(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    v = run_view(ins)
    bad = uncleaned(v, _install, _clean)
    if bad is None or mount_covers(v, RPM_CACHE_DIRS):
        return []
    return [Finding(bad.span, MESSAGE, append_commands_fix(df, ins, ["yum clean all"], "Append `yum clean all` to the RUN"))]
