r"""## What it does
Flags a package of `yum install` without a version: the text after the
package name's first `-` must look like a version (letters, digits and
`. ~ ^ _ : +`, some part starting with a digit: `tomcat-9.0.1`,
`git-core-2.51.0-2.fc42`); `.rpm` files are versioned. A package given by a
variable is judged on the variable's value when known, and accepted when the
variable is declared (`ARG`/`ENV` in scope) but its value is not known. For
`yum module install`, each module needs a stream (`nodejs:20`). `RUN` and
`ONBUILD RUN`.

## Why it matters
An unpinned package installs whatever the repositories hold on the day of
the build; the image changes without the Dockerfile changing.

## Example
```dockerfile
FROM centos:7
RUN yum install -y tomcat && yum clean all
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y tomcat-7.0.76 && yum clean all
```

## Differences from hadolint
Options that take a value (`--enablerepo NAME`) are skipped instead of read
as packages, and `sudo yum` counts. Variables are expanded (`$V` as well as
`${V}`) with their values where known; hadolint accepts any `${V}` that some
`ARG` anywhere or an `ENV` of the stage declares, whatever its value.

## References
- hadolint: DL3033
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.model import Dockerfile, Instruction, Word

from ._api import Finding, Severity, rule
from ._pm import literal
from ._helpers import declared, known_value, shell_commands

MESSAGE = "Specify version with `yum install -y <package>-<version>`."
_VERSION_PART = lazyre.compile(r"[A-Za-z0-9.~^_:+]*")
_VAR = lazyre.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")


def version_like(package: str) -> bool:
    """``name-version``: what follows the first ``-`` looks like a version."""
    if package.endswith(".rpm"):
        return True
    parts = package.split("-")[1:]
    return bool(parts) and all(_VERSION_PART.fullmatch(p) for p in parts) and any(p[:1].isdigit() for p in parts)


def pinned(df: Dockerfile, ins: Instruction, w: Word, check) -> bool:
    if w.static or "$" not in w.raw:
        return check(w.value)
    value = known_value(df, ins, w.raw.strip("\"'"))
    if value is not None:
        return all(check(p) for p in value.split()) if value.split() else check(value)
    names = [a or b for a, b in _VAR.findall(w.raw)]
    return bool(names) and all(declared(df, ins, n) for n in names) or check(literal(w))


def rpm_pin_findings(df: Dockerfile, ins: Instruction, tools: frozenset[str], message: str) -> list[Finding]:
    """Unversioned packages and stream-less modules of ``<tool> [module] install``."""
    out = []
    for c in shell_commands(ins):
        if c.name not in tools:
            continue
        ops = c.operands
        pos = [w.value for w in ops]
        if "install" not in pos:
            continue
        module = "module" in pos
        if not module and "group" in pos or pos and pos[0] in ("group", "groupinstall"):
            continue
        words = [w for w in ops if w.value not in ("install", "module")]
        check = (lambda p: ":" in p) if module else version_like
        out += [Finding(w.span, message) for w in words if not pinned(df, ins, w, check)]
    return out


@rule(
    code="DL3033",
    name="yum-pin-versions",
    summary="Specify version with yum install -y <package>-<version>",
    severity=Severity.WARNING,
    tags=("yum", "rpm", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def yum_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return rpm_pin_findings(df, ins, frozenset({"yum"}), MESSAGE)
