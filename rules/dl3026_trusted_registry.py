r"""## What it does
With a list of trusted registries configured, flags an image from any other
registry: in `FROM`, in `COPY --from=<image>` and in
`RUN --mount=type=cache|bind,from=<image>`. Stage names and `scratch` are
not images. An image without a registry comes from Docker Hub, trusted when
`docker.io` or `hub.docker.com` is in the list. Patterns: `*` (any
registry), `*.example.com` (ends with), `registry.example.*` (starts with),
otherwise the exact registry host (with its port, if any). Without the
option the rule checks nothing.

## Options
```toml
[options.DL3026]
trusted-registries = ["docker.io", "*.example.com"]
```
hadolint's `trustedRegistries` key in `.hadolint.yaml` (and
`HADOLINT_TRUSTED_REGISTRIES`) sets this option.

## Why it matters
Images from an unvetted registry can change under the same tag or carry
anything; organisations that mirror and scan images want every build to pull
from their own registries.

## Example
```dockerfile
FROM quay.io/prometheus/busybox:latest
```

## Use instead
```dockerfile
FROM registry.example.com/base/busybox:1.36
```

## Differences from hadolint
A registry is recognised as Docker does (a first path component with a `.`
or `:`, or `localhost`); an image built from variables is checked after
expanding the ARG defaults, and not at all while its registry is unknown
(hadolint checks the text, so `FROM $IMAGE` and `FROM ${REGISTRY}/alpine`
count as Docker Hub). `COPY --from=0`
names a stage by index, not an image called `0`; stage names compare
case-insensitively.

## References
- hadolint: DL3026
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Span

from ._api import Finding, Severity, rule
from ._helpers import drop_quotes, mounts

MESSAGE = "Use only an allowed registry in the FROM image"


def matches(pattern: str, registry: str) -> bool:
    """hadolint's registry patterns."""
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        return registry.endswith(pattern[1:])
    if pattern.endswith("*"):
        return registry.startswith(pattern[:-1])
    return registry == pattern


def registry_of(image: str) -> str | None:
    """The registry host of an image reference, None for Docker Hub."""
    first, slash, _rest = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def trusted(image: str, allowed: list[str]) -> bool:
    reg = registry_of(image)
    if reg is None:
        name = image.split("@", 1)[0].split(":", 1)[0]
        return name == "scratch" or any(matches(p, h) for p in allowed for h in ("docker.io", "hub.docker.com"))
    return any(matches(p, reg) for p in allowed)


@rule(
    code="DL3026",
    name="trusted-registry",
    summary="Use only an allowed registry in the FROM image",
    severity=Severity.ERROR,
    tags=("base-image", "security"),
)
def trusted_registry(df: Dockerfile, ctx) -> list[Finding]:
    allowed = [str(p) for p in (ctx.options.get("trusted-registries") or [])]
    if not allowed:
        return []
    out = []
    names: set[str] = set()
    count = 0

    def check(image: str, span: Span) -> None:
        image = drop_quotes(image)
        if not image or image.lower() in names or (image.isdigit() and int(image) < count):
            return
        if not trusted(image, allowed):
            out.append(Finding(span, MESSAGE))

    for ins in df.instructions:
        if ins.keyword == "FROM":
            st = df.stage_of(ins)
            b = st.base if st is not None else None
            # an image from variables: judged once the registry part is known
            if b is not None and (not b.unresolved or (registry_of(b.resolved) or "$").find("$") < 0):
                check(b.resolved, b.span)
            count += 1
            if st is not None and st.name:
                names.add(st.name)
        elif ins.keyword == "COPY":
            f = ins.flag("from")
            if f is not None and "$" not in (f.value or ""):
                check(f.value or "", f.value_span or f.span)
        elif ins.keyword == "RUN":
            for m, span in mounts(ins):
                if m.get("type") in ("cache", "bind") and "from" in m and "$" not in m["from"]:
                    check(m["from"], span)
    return out
