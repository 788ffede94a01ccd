r"""## What it does
Flags a `RUN` that only cleans up: every command in it deletes caches,
package lists, temporary files or downloaded archives (`rm -rf
/var/lib/apt/lists/*`, `rm -rf /tmp/*`, `rm *.tar.gz`, `apt-get clean`,
`apt-get autoremove`, `yum clean all`, `dnf clean all`, `apk cache clean`,
`npm cache clean`, `pip cache purge`, `find … -name '*.pyc' -delete`,
PowerShell `Remove-Item` of temp files …), in a stage that ends up in the
final image. A `RUN` that deletes anything else (a config file, an
application directory) is a functional change and is not flagged, nor is
removing packages with `apt-get purge`/`remove`.

## Why it matters
Layers only add. Files created in an earlier layer (or in the base image)
and deleted in a later one are still in the image and are still
downloaded: the deletion only hides them, and adds a layer. Clean up in the
same `RUN` that created the files ("Creating effective images": clean up in
the same layer).

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN apt-get clean && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
```

## References
- DockerCon talk "Creating effective images": clean up in the same layer
- https://docs.docker.com/build/building/best-practices/#apt-get
- hadolint: DL3009 (related: delete the apt lists in the same RUN)
"""
from __future__ import annotations

import re

from dockwise.model import Dockerfile, Span

from ._api import Finding, Severity, rule
from ._talk import APK, APT, RPM, ZYPPER, Cmd, commands, final_chain_indices, run_instructions
from ._helpers import cache_mount_targets

_CLEAN_PATH = re.compile(
    r"""(?ix)
    ^/var/lib/apt/lists(/|$) | ^/var/cache(/|$) | ^/var/lib/(dnf|yum)(/|$) | ^/var/lib/apt/?$
    | ^/tmp(/|$) | ^/var/tmp(/|$) | ^/var/log(/|$)
    | (^|/)\.cache(/|$) | (^|/)\.npm(/|$) | (^|/)\.m2(/|$) | (^|/)\.gradle/caches | (^|/)\.composer/cache
    | (^|/)\.cargo/registry | (^|/)\.bundle/cache | /usr/local/share/\.cache
    | ^/usr/share/(doc|man|info|locale)(/|$)
    | (^|/)__pycache__(/|$) | \.pyc$ | \.pyo$
    | \.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|zip|deb|rpm|apk|whl|gem|msi)$
    | ^c:/windows/temp | ^\$env:te?mp | (^|/)temp(/|\*|$)
    """
)
_TRIVIAL = {"", "set", "true", ":", "echo", "exit"}
_RM = {"rm", "remove-item", "del", "erase", "rd", "rmdir", "ri"}


def _clean_target(value: str) -> bool:
    v = value.replace("\\", "/").strip("\"'")
    return bool(_CLEAN_PATH.search(v))


def _is_cleanup(c: Cmd, cache_targets: list[str]) -> bool:
    sub = c.sub()
    if c.name in APT:
        return sub in ("clean", "autoclean", "autoremove")
    if c.name in RPM or c.name in ZYPPER:
        return sub in ("clean", "cc")
    if c.name in APK:
        return sub == "cache" and any(w.value in ("clean", "purge") for w in c.args)
    if c.name in ("npm", "yarn", "pnpm"):
        return sub == "cache" and any(w.value in ("clean", "clear", "prune") for w in c.args) or sub == "store" and "prune" in c.values
    if c.name.startswith("pip") and c.name[3:].replace(".", "").isdigit() or c.name == "pip":
        return sub == "cache"
    if c.name in ("conda", "mamba", "micromamba"):
        return sub == "clean"
    if c.name == "composer":
        return sub in ("clear-cache", "clearcache")
    if c.name == "go":
        return sub == "clean"
    if c.name in _RM:
        targets = [w.value for w in c.args if not w.value.startswith("-")]
        if not targets:
            return False
        for t in targets:
            if any(t.startswith(m.rstrip("/") + "/") or t == m for m in cache_targets):
                return False  # cleans a cache mount, not the image
        return all(_clean_target(t) for t in targets)
    if c.name == "find":
        vals = [w.value for w in c.args]
        deletes = "-delete" in vals or ("-exec" in vals and any(v in ("rm", "/bin/rm") for v in vals))
        if not deletes:
            return False
        start = [v for v in vals[:1] if not v.startswith("-")]
        names = [vals[i + 1] for i, v in enumerate(vals[:-1]) if v in ("-name", "-iname")]
        return any(_clean_target(s) for s in start) or any(n in ("*.pyc", "*.pyo", "__pycache__") for n in names)
    return False


@rule(
    code="DW011",
    name="cleanup-in-separate-layer",
    summary="A RUN that only cleans up what an earlier layer created",
    severity=Severity.WARNING,
    tags=("size", "layers", "talk"),
)
def cleanup_in_separate_layer(df: Dockerfile, ctx) -> list[Finding]:
    shipped = final_chain_indices(df)
    out = []
    for ins in run_instructions(df):
        if ins.stage not in shipped:
            continue
        cs = [c for c in commands(ins) if c.name.lower() not in _TRIVIAL]
        if not cs:
            continue
        targets = cache_mount_targets(ins)
        if all(_is_cleanup(c, targets) for c in cs):
            span = Span(cs[0].span.start, cs[-1].span.end)
            out.append(
                Finding(
                    span,
                    "This RUN only cleans up files an earlier layer created: they stay in the image; "
                    "clean up in the RUN that created them",
                )
            )
    return out
