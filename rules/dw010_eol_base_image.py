r"""## What it does
Flags a `FROM` whose base image is past its end of life: the image's own
version (official images: `python:2.7`, `python:3.8`, `node:18`,
`golang:1.20`, `ruby:2.7`, `php:7.4`, `ubuntu:20.04`, `debian:buster`,
`centos:7`, `alpine:3.18`, `fedora:38`, `amazonlinux:2`, `mysql:5.7`,
`postgres:12`, and the deprecated `openjdk` and `adoptopenjdk` images), or
the distribution its tag names in any image (`node:20-alpine3.16`,
`python:3.12-bullseye`, `nvidia/cuda:11.0-base-ubuntu18.04`,
`…-centos7`). The message names the date. Every stage is checked, builder
stages too: an end-of-life toolchain is compiled into what you ship.

End of life means the end of free security support: Ubuntu's standard
support (ESM is paid), Debian LTS, Alpine's main repository, the language's
last security release. The table, with a source per product, ships as
`dockwise/images/data/eol.json`; dates are compared with today's date.

## Why it matters
An end-of-life base gets no security fixes: every vulnerability found from
then on stays in your image, scanners report it, and package mirrors
eventually disappear (`apt-get update` fails on buster and older). Move to a
supported version while the upgrade is small.

## Example
```dockerfile
FROM python:3.8-slim
```

## Use instead
```dockerfile
FROM python:3.14-slim
```

## Options
- `today` (YYYY-MM-DD): the date to compare with instead of today (reproducible runs).

## References
- DockerCon talk "Creating effective images": keep the base image current
- Dates: https://endoflife.date and the per-product sources in `eol.json`
"""
from __future__ import annotations

import datetime as dt

from dockwise.images import catalog as images
from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import is_scratch


def _today(opts: dict) -> dt.date:
    v = opts.get("today")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    return dt.date.today()


def _describe(e: images.EolEntry) -> str:
    if not e.cycle:
        return f"{e.label} is deprecated since {e.date.isoformat()} ({e.basis})"
    return f"{e.what} reached end of life on {e.date.isoformat()}"


@rule(
    code="DW010",
    name="eol-base-image",
    summary="The base image is past its end of life",
    severity=Severity.WARNING,
    tags=("security", "base-image", "talk"),
    each="group",  # a stage's FROM and the global ARGs; the EOL table is offline
)
def eol_base_image(df: Dockerfile, stage: Stage | None, ctx) -> list[Finding]:
    today = _today(ctx.options or {})
    out: list[Finding] = []
    for st in () if stage is None else (stage,):
        b = st.base
        if st.parent is not None or b is None or b.unresolved or is_scratch(b):
            continue
        past = sorted((e for e in images.eol_entries(b) if e.date <= today), key=lambda e: e.date)
        if not past:
            continue
        what = "; ".join(_describe(e) for e in past)
        out.append(Finding(b.span, f"Base image {b.resolved} is end-of-life: {what}"))
    return out
