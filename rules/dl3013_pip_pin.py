r"""## What it does
Flags each package of a `pip install` that is not pinned to a version. pip
is `pip`, `pip3`, `pip3.12`, `pip-3`, `/opt/venv/bin/pip`, or
`python`/`python3`/`python3.12 -m pip`; `pipx install` is checked too. A
package is pinned when it has a version specifier (`==`, `>=`, `<=`, `>`,
`<`, `!=`, `~=`, `===`), is a VCS URL with a ref (`git+https://host/x/y@v1.2`),
a file ending `.whl`/`.tar.gz`/`.zip`, or another path or URL (contains `/`).
An install from a requirements or constraints file (`-r`, `--requirement`,
`-c`, `--constraint`) or of the local project (`.`) is not checked. Checked in
every `RUN`, `ONBUILD RUN` and heredoc script.

A word that is exactly a variable (`$PKGS`) is looked up: when the ARG/ENV in
scope has a known value each of its packages is checked; an unknown variable
is flagged, as hadolint does.

## Why it matters
Without a version the build installs the newest release of the day: the same
Dockerfile builds different images, and a new major version can break a build
that used to work. Pin, or install from a requirements file (ideally with
hashes) kept next to the Dockerfile.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir requests
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir requests==2.32.3
```

## Differences from hadolint
Options are parsed with pip's real list of value-taking options (hadolint's
misses `--timeout 60`, `--global-option x`, `--config-settings k=v`…, and
reads their values as packages), `--requirement=file` also counts, `--` is not
a package, `install` must be the sub-command, and pip called by path
(`/opt/venv/bin/pip`, `/usr/bin/python3 -m pip`) is recognised. A VCS URL
needs a ref after the repository path: `git+ssh://git@host/x/y` (the `@`
belongs to the user) and `name @ git+https://host/x/y` are unpinned
(hadolint accepts both).
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3013
"""
from __future__ import annotations

from dockwise.syntax.commands import Options, run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import pip_installs, pipx_installs, unpinned_findings

_SPECIFIERS = ("==", ">", "<", "!=", "~=")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")


def _vcs_has_ref(url: str) -> bool:
    """``git+https://host/owner/repo@v1#egg=x``: an ``@`` after the host part."""
    url = url.split("#", 1)[0]
    _, sep, rest = url.partition("://")
    if not sep:  # git+git@host:owner/repo@ref (scp-like)
        rest = url.split(":", 1)[-1]
        return "@" in rest
    _, slash, path = rest.partition("/")
    return bool(slash) and "@" in path


def pinned(pkg: str) -> bool:
    if any(s in pkg for s in _SPECIFIERS):
        return True
    for v in _VCS:
        i = pkg.find(v)
        if i >= 0:
            return _vcs_has_ref(pkg[i:])
    return pkg.endswith(_ARCHIVES) or "/" in pkg


def from_files(p: Options) -> bool:
    """Requirements / constraints file, or the local project: not checked."""
    return p.has("r", "requirement", "c", "constraint") or any(w.value == "." for w in p.operands)


MESSAGE = (  # hadolint's text
    "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` "
    "or `pip install --requirement <requirements file>`"
)


@rule(
    code="DL3013",
    name="pip-pin-versions",
    summary="Pin versions in pip install",
    severity=Severity.WARNING,
    tags=("pip", "python", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def pip_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for cmd in run_view(ins).commands:
        p = pip_installs(cmd) or pipx_installs(cmd)
        if p is None or from_files(p):
            continue
        out += unpinned_findings(df, ins, p.after_subcommand(), pinned, MESSAGE)
    return out
