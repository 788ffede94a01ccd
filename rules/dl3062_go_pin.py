r"""## What it does
Flags a package of `go install` or `go get` without a version
(`example.com/tool@v1.2.3`), and the package of `go run`; `@latest` and
`@none` are not versions. Local paths (`.`, `./cmd/x`, `/src/x`) and Go
files (`main.go`) are fine. Build flags and their values (`-tags netgo`,
`-ldflags "-s -w"`) are skipped. `RUN` and `ONBUILD RUN`.

## Why it matters
Without a version, Go fetches the newest release (or the default branch) on
the day of the build; the image changes without the Dockerfile changing.

## Example
```dockerfile
FROM golang:1.23
RUN go install golang.org/x/tools/gopls@latest
```

## Use instead
```dockerfile
FROM golang:1.23
RUN go install golang.org/x/tools/gopls@v0.16.2
```

## Differences from hadolint
hadolint reads the value of a build flag (`-tags netgo`) as a package and
`go run main.go` as a remote package; it checks only the `go run` commands of
a `RUN` that has both `go run` and `go install`. dockwise skips flag values,
accepts `.go` files and checks every command.

## References
- hadolint: DL3062
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction, Word

from ._api import Finding, Severity, rule
from ._pm import literal
from ._helpers import shell_commands

MESSAGE = "Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`"
# go build flags that take a value (`-tags x` or `-tags=x`)
_VALUE_FLAGS = frozenset({
    "-C", "-p", "-o", "-asmflags", "-buildmode", "-buildvcs", "-compiler", "-gccgoflags", "-gcflags",
    "-installsuffix", "-ldflags", "-mod", "-modfile", "-overlay", "-pgo", "-pkgdir", "-tags", "-toolexec",
    "-exec", "-covermode", "-coverpkg",
})


def go_operands(args: list[Word]) -> list[Word]:
    out: list[Word] = []
    skip = False
    for w in args:
        v = w.value
        if skip:
            skip = False
        elif v == "--":
            continue
        elif v.startswith("-") and v != "-":
            name = "-" + v.lstrip("-").split("=", 1)[0]
            skip = "=" not in v and name in _VALUE_FLAGS
        else:
            out.append(w)
    return out


def pinned(pkg: str) -> bool:
    if pkg == "." or pkg.startswith(("/", ".")) or pkg.endswith(".go"):
        return True
    return "@" in pkg and not pkg.endswith(("@latest", "@none"))


@rule(
    code="DL3062",
    name="go-pin-versions",
    summary="Pin versions in go install, go get and go run",
    severity=Severity.WARNING,
    tags=("go", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def go_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for c in shell_commands(ins):
        if c.name != "go":
            continue
        ops = go_operands(c.args)
        if not ops or ops[0].value not in ("install", "get", "run"):
            continue
        pkgs = ops[1:2] if ops[0].value == "run" else [w for w in ops[1:] if w.value != "tool"]
        out += [Finding(w.span, MESSAGE) for w in pkgs if not pinned(literal(w))]
    return out
