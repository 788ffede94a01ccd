r"""## What it does
Flags each package of an `npm install <package>…` that is not pinned: a
package needs `@<version>` or `@<tag>` after its (optional) `@scope/` name
(`express@4.19.2`, `@types/node@20`), a git URL needs a `#<commit>` or
`#semver:<range>`; tarballs (`.tar`, `.tar.gz`, `.tgz`) and folders (`/x`,
`./x`, `../x`, `~/x`, `.`, `..`) are accepted. A bare `npm install` (the
project's own `package.json`, ideally with `npm ci`) is not checked, nor are
`npm i`, `yarn` and `pnpm`, as in hadolint. Checked in every `RUN`,
`ONBUILD RUN` and heredoc script.

A word that is exactly a variable (`$PKG`) is looked up: when the ARG/ENV in
scope has a known value each of its packages is checked; an unknown variable
is flagged, as hadolint does.

## Why it matters
Without a version npm installs the newest release of the day: the same
Dockerfile builds different images, and a new major version can break the
build or the application.

## Example
```dockerfile
FROM node:22-alpine
RUN npm install -g typescript
```

## Use instead
```dockerfile
FROM node:22-alpine
RUN npm install -g typescript@5.6.3
```

## Differences from hadolint
Options are parsed: the values of `--prefix`, `-w`/`--workspace`, `--cache`,
`--tag` and the other value-taking options are not packages (hadolint reads
`npm install -w app x@1` as installing `app`, and skips `npm --prefix /app
install x` entirely because `/app` comes first), `--` is not a package, and
`.` / `..` are folders (hadolint flags `npm install .`).
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3016
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import npm_installs, unpinned_findings

_GIT = ("git://", "git+ssh://", "git+http://", "git+https://")
_TARBALLS = (".tar", ".tar.gz", ".tgz")
_FOLDERS = ("/", "./", "../", "~/")


def pinned(pkg: str) -> bool:
    if pkg.startswith(_GIT):
        return "#" in pkg
    if pkg.endswith(_TARBALLS) or pkg.startswith(_FOLDERS) or pkg in (".", ".."):
        return True
    name = pkg
    if name.startswith("@"):  # @scope/name@version: drop the scope
        name = name.split("/", 1)[1] if "/" in name else ""
    return "@" in name


# hadolint's text (tests/hadolint_spec/test_messages.py compares)
MESSAGE = (
    "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`"
)


@rule(
    code="DL3016",
    name="npm-pin-versions",
    summary="Pin versions in npm install",
    severity=Severity.WARNING,
    tags=("npm", "node", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def npm_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for cmd in run_view(ins).commands:
        p = npm_installs(cmd)
        if p is None:
            continue
        out += unpinned_findings(df, ins, p.after_subcommand(), pinned, MESSAGE)
    return out
