r"""## What it does
Flags a `RUN` that installs or upgrades packages with `dnf` (also `dnf5`) or
`microdnf` (`install`, `reinstall`, `upgrade`/`update`, `upgrade-minimal`,
`downgrade`, `distro-sync`, `swap`, `group install`, `module install`, …)
and does not clean the cache with the same tool (`dnf clean all`,
`microdnf clean all`) or remove the cache directory with `rm -rf` later in
the same `RUN`.

## Why it matters
dnf keeps repository metadata and downloaded packages under `/var/cache/dnf`
(dnf 4), `/var/cache/libdnf5` (dnf 5) or `/var/cache/yum` (microdnf). Left
there, they are baked into the layer; deleting them in a later `RUN` does
not shrink the image.

Accepted as cleanup, when it comes after the install: `dnf clean all` (or
`yum clean all`, the same program on dnf systems) for dnf, `microdnf clean
all` for microdnf, and for either `rm -r` of `/var/cache/dnf`,
`/var/cache/libdnf5`, `/var/cache/yum`, their contents (`/var/cache/dnf/*`)
or an ancestor (`/var/cache`). A cache or tmpfs mount over one of these
directories is accepted too. `sudo dnf …`, `env … dnf …` and `sh -c "dnf …"` count as `dnf …`.

Deliberate differences from hadolint 2.15.1 (which accepts any command of
the tool with an argument `clean` or `all`, and any `rm -rf`):
- `dnf clean metadata` or `dnf clean packages` alone is not enough, and
  `rm -rf` of an unrelated path is not a cleanup;
- every install must be followed by a cleanup (hadolint only compares the
  first install with the first cleanup);
- `dnf update`, `distro-sync`, `downgrade`, `swap`, `group install` and
  `module install` fill the cache too and are checked.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y nginx
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y nginx \
    && dnf clean all
```

## Fix
Appends ` \` + newline + `    && dnf clean all` (or `microdnf clean all`)
at the end of the `RUN`, one line per tool that lacks a cleanup (safe); in a
`RUN` that spans several lines the new lines are indented like the last
one. Not offered for exec-form or heredoc `RUN`s, or when the appended
command would not end up as a plain top-level command.

## References
- hadolint: DL3040
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import RPM_CACHE_DIRS, mount_covers, rm_cache, rpm_cleans_all, rpm_installs, uncleaned
from ._runfix import append_commands_fix

# tool -> tools whose `clean all` cleans its cache
_FAMILIES = {
    "dnf": ("dnf", "dnf5", "yum"),
    "dnf5": ("dnf", "dnf5"),
    "microdnf": ("microdnf",),
}


def _checks(tool: str):
    def install(c) -> bool:
        return rpm_installs(c, (tool,))

    def clean(c) -> bool:
        return rpm_cleans_all(c, _FAMILIES[tool]) or rm_cache(c, RPM_CACHE_DIRS)

    return install, clean


_CHECKS = [(tool, *_checks(tool)) for tool in ("dnf", "dnf5", "microdnf")]


# hadolint's text (tests/hadolint_spec/test_messages.py compares)
MESSAGE = (
    "`dnf clean all` missing after dnf command."
)


@rule(
    code="DL3040",
    name="dnf-clean-missing",
    summary="`dnf clean all` missing after a dnf or microdnf install",
    severity=Severity.WARNING,
    tags=("dnf", "rpm", "size", "layers"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def dnf_clean(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    v = run_view(ins)
    bad = [(tool, c) for tool, install, clean in _CHECKS if (c := uncleaned(v, install, clean)) is not None]
    if not bad or mount_covers(v, RPM_CACHE_DIRS):
        return []
    bad.sort(key=lambda b: b[1].span.start)
    tool, first = bad[0]
    cleans = [f"{t} clean all" for t, _ in bad]
    fix = append_commands_fix(df, ins, cleans, "Append " + " and ".join(f"`{c}`" for c in cleans) + " to the RUN")
    # hadolint's text names dnf for microdnf too; the tool follows it
    msg = MESSAGE if tool == "dnf" else f"{MESSAGE} ({tool})"
    return [Finding(first.span, msg, fix)]
