r"""## What it does
Flags a pragma that does not do what it says: an unknown rule code in
`# hadolint ignore=…`, `# dockwise: ignore=…` or `# check=skip=…`, a code that
hadolint's grammar rejects (lower case, a rule name, a `DW` code), free text
after the list without a second `#`, a malformed pragma
(`# hadolint ignore DL3006`), and BuildKit check options that BuildKit rejects
or ignores (`# check=skip=jsonargsrecommended`, `# check=foo=1`,
`# check=error=maybe`).

## Why it matters
hadolint drops a pragma with one bad code *silently and entirely*: a typo in
`# hadolint ignore=DL3008,DL3O15` re-enables DL3008 as well, and nobody
notices until CI fails. BuildKit ignores unknown check names without a word.
dockwise reports the bad entry here and still applies the codes it
understood, case-insensitively; where hadolint (or BuildKit) would ignore the
pragma the message says so, so that both tools agree once it is fixed.

## Example
```dockerfile
FROM alpine:3.20
# hadolint ignore=DL3018,DL9999
RUN apk add curl
```

## Use instead
```dockerfile
FROM alpine:3.20
# hadolint ignore=DL3018
RUN apk add curl
```

## Notes
- Known codes are dockwise's rules (code, name or alias), hadolint's DL codes
  (including retired ones) and ShellCheck `SC` codes, so a pragma written for
  hadolint never trips this rule because dockwise lacks a rule.
- `# check=skip=` takes BuildKit check names (PascalCase, case-sensitive in
  BuildKit); a dockwise or hadolint code there is reported with a hint to use
  `# dockwise: ignore=`.
- Pragmas are listed in `dockwise.rules._pragmas`; `disable-ignore-pragma` turns
  them off but this rule still checks them.

## References
- hadolint: inline ignores (`src/Hadolint/Pragma.hs`); issue #370
- BuildKit: the `check` directive (docs.docker.com/reference/build-checks)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DW101",
    name="unknown-pragma-code",
    summary="Unknown code or malformed pragma",
    severity=Severity.WARNING,
    tags=("pragma", "syntax"),
)
def bad_pragma(df: Dockerfile, ctx) -> list[Finding]:
    if not df.comments and not df.directives:
        return []
    from ._pragmas import analyse

    return [Finding(p.span, p.message) for p in analyse(df).problems]
