r"""## What it does
Flags a builder flag (`--name` or `--name=value`) on an instruction that
BuildKit reads no flags from and does not check either: `ARG`, `STOPSIGNAL`
and `HEALTHCHECK NONE`. Any other instruction rejects a flag it does not know
(`unknown flag`, a failed build); these three silently drop it.

## Why it matters
The flag does nothing, and nothing says so: `ARG --required TOKEN` does not
make the argument required, `HEALTHCHECK --interval=30s NONE` sets no
interval, and a typo in such a line goes unnoticed. A reader of the
Dockerfile believes the flag has an effect.

## Example
```dockerfile
FROM alpine:3.20
ARG --required TOKEN
HEALTHCHECK --interval=30s NONE
```

## Use instead
```dockerfile
FROM alpine:3.20
ARG TOKEN
HEALTHCHECK NONE
```

## Fix
Removes the flag (safe: BuildKit ignores it, so the build is the same). None
when the flag is the last thing on its line (before a continuation) or spans
lines.

## Scope
Every `ARG` (global ones too), `STOPSIGNAL` and `HEALTHCHECK NONE`, also as an
`ONBUILD` trigger. `HEALTHCHECK … CMD` takes its flags (`--interval` and the
others) and is not flagged.

## References
- BuildKit: `frontend/dockerfile/instructions/parse.go` (`parseArg`,
  `parseStopSignal` and `parseHealthcheck` never validate the flags they are given)
- https://docs.docker.com/reference/dockerfile/#arg
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Flag, Instruction

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import flag_removal


def _takes_no_flags(ins: Instruction) -> bool:
    kw = ins.keyword
    if kw in ("ARG", "STOPSIGNAL"):
        return True
    return kw == "HEALTHCHECK" and bool(ins.args) and ins.args[0].value.upper() == "NONE"


def _fix(df: Dockerfile, flag: Flag) -> Fix | None:
    span = flag_removal(df, flag)
    return None if span is None else Fix.safe(f"Remove {flag.raw}", Edit(span, ""))


@rule(
    code="DW133",
    name="ignored-flag",
    summary="A flag BuildKit ignores without a word (on ARG, STOPSIGNAL, HEALTHCHECK NONE)",
    severity=Severity.WARNING,
    tags=("buildkit", "syntax"),
    fixable=True,
    each="instruction",
    keywords=("ARG", "STOPSIGNAL", "HEALTHCHECK"),
)
def ignored_flag(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    eff = ins.effective  # an ONBUILD trigger's own flags
    if not eff.flags or not _takes_no_flags(eff):
        return []
    what = "HEALTHCHECK NONE" if eff.keyword == "HEALTHCHECK" else eff.keyword
    return [Finding(f.span, f"`{f.raw}` does nothing: BuildKit reads no flags on {what} and ignores it "
                            "without a warning", _fix(df, f))
            for f in eff.flags]
