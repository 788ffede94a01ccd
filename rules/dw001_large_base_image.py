r"""## What it does
Flags the base image of a stage that ends up in the final image (the target
stage — the last one unless `--target`/`build.target` names another — and
the stages it is built `FROM`) when its known compressed size is
large (150 MB or more by default) and a smaller variant of the same version
exists: `-slim`, `-alpine`, `-jre`, `-minimal`. The message names both sizes
and the saving. Builder-only stages are never flagged: their base is not
shipped.

Sizes are compressed download sizes for the stage's platform (`FROM
--platform=…`, else the `platform` option — in the editor the
`images.platform` setting — else linux/amd64) from a dated snapshot of
docker-library/repo-info shipped with dockwise (official images only). A
patch version (`python:3.12.4`) is sized by its minor version's entry
(`python:3.12`), and the message says so. A variant is only proposed when it
saves at least a quarter of the size. Image names built from ARGs are
resolved with their defaults (`ARG BASE=python:3.12` / `FROM ${BASE}`).
Files whose name or folder says they build a development or build
environment (`Dockerfile.dev`, `.devcontainer/Dockerfile`, …) are skipped.

## Why it matters
The base image is usually most of the image: every pull, push, cold start
and scan pays for it. `python:3.12` is about 411 MB compressed,
`python:3.12-slim` about 43 MB, with the same Python. The full images carry
compilers and headers that a runtime seldom needs; build with them in a
builder stage and ship the slim variant ("Creating effective images": choose
a small base).

`-alpine` variants use musl instead of glibc, which some wheels and native
modules do not support; the fix therefore proposes the glibc variant
(`-slim`, `-jre`) when there is one.

## Example
```dockerfile
FROM python:3.12
COPY app.py /app/
CMD ["python", "/app/app.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY app.py /app/
CMD ["python", "/app/app.py"]
```

## Options
- `threshold_mb` (number, default 150): flag bases of at least this many MB (10^6 bytes, compressed).
- `min_saving_percent` (number, default 25): only propose variants that save at least this share.
- `platform` (string, default linux/amd64): the build platform for stages without `--platform`
  (`linux/arm64`, …). The language server sets it from the `images.platform` setting.

## Fix
Replaces the image reference with the proposed variant (unsafe: the variant
has fewer packages). With `FROM ${BASE}` the fix edits the global `ARG`
default instead; digest-pinned references get no fix.

## References
- DockerCon talk "Creating effective images": choose a small base image
- https://docs.docker.com/build/building/best-practices/#choose-the-right-base-image
- Size data: docker-library/repo-info (https://github.com/docker-library/repo-info)
"""
from __future__ import annotations

import re

from dockwise.images import catalog as images
from dockwise.syntax.model import Dockerfile, ImageRef

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import final_chain, is_dev_environment, is_scratch

DEFAULT_THRESHOLD_MB = 150.0
DEFAULT_MIN_SAVING_PERCENT = 25.0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _pick(variants: list[images.Variant]) -> images.Variant:
    """Prefer a glibc variant (slim, jre) over alpine; then the smallest."""
    return min(variants, key=lambda v: ("alpine" in v.tag.split("-") or any(t.startswith("alpine") for t in v.tag.split("-")), v.info.size))


def _replace_tag(text: str, ref: ImageRef, new_tag: str) -> str | None:
    if ref.digest:
        return None
    if ref.tag is None:
        return text + ":" + new_tag
    if text.endswith(":" + ref.tag):
        return text[: len(text) - len(ref.tag)] + new_tag
    return None


def _fix(df: Dockerfile, ref: ImageRef, v: images.Variant) -> Fix | None:
    title = f"Use {images.reference_without_tag(ref)}:{v.tag} (-{_mb(v.saving)})"
    if "$" not in ref.raw:
        new = _replace_tag(ref.raw, ref, v.tag)
        return Fix.unsafe(title, Edit(ref.span, new)) if new else None
    m = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", ref.raw)
    if not m:
        return None
    for g in df.global_args:
        if g.name != m.group(1) or g.value != ref.resolved:
            continue
        ins = df.instructions[g.instruction]
        for p in ins.pairs:
            if p.key == g.name and p.value_span is not None and p.unquoted == ref.resolved:
                new = _replace_tag(ref.resolved, ref, v.tag)
                return Fix.unsafe(title, Edit(p.value_span, new)) if new else None
    return None


@rule(
    code="DW001",
    name="large-base-image",
    summary="The final image is built on a large base while a smaller variant of the same version exists",
    severity=Severity.INFO,
    tags=("size", "base-image", "talk"),
    final_image_only=True,
    fixable=True,
)
def large_base_image(df: Dockerfile, ctx) -> list[Finding]:
    opts = ctx.options or {}
    try:
        threshold = float(opts.get("threshold_mb", DEFAULT_THRESHOLD_MB)) * 1e6
        min_pct = float(opts.get("min_saving_percent", DEFAULT_MIN_SAVING_PERCENT))
    except (TypeError, ValueError):
        threshold, min_pct = DEFAULT_THRESHOLD_MB * 1e6, DEFAULT_MIN_SAVING_PERCENT
    out = []
    if is_dev_environment(df):
        return out  # dev containers and build environments need the full image
    for st in final_chain(df, ctx.build):
        b = st.base
        if st.parent is not None or b is None or b.unresolved or is_scratch(b):
            continue
        platform = st.platform or (opts.get("platform") if isinstance(opts.get("platform"), str) else None)
        info = images.lookup(b, platform)
        if info is None or info.size < threshold:
            continue
        vs = [v for v in images.smaller_variants(b, platform) if v.saving * 100 >= info.size * min_pct]
        if not vs:
            continue
        best = _pick(vs)
        name = images.reference_without_tag(b)
        est = "" if info.exact else f", size of {name}:{info.tag}"
        others = [v for v in vs if v is not best]
        also = ""
        if others:
            also = "; also " + ", ".join(f"{name}:{v.tag} {_mb(v.info.size)}" for v in others[:2])
        shown = b.resolved if not b.digest else f"{name}{':' + b.tag if b.tag else ''}@{b.digest[:19]}…"
        msg = (
            f"Base image {shown} is {_mb(info.size)} (compressed, {info.platform}{est}); "
            f"{name}:{best.tag} is {_mb(best.info.size)}, {_mb(best.saving)} less{also}"
        )
        out.append(Finding(b.span, msg, _fix(df, b, best)))
    return out
