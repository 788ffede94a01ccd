"""Generated, realistic Dockerfiles of an exact number of lines.

``generate(n_lines, seed)`` returns a :class:`Generated` with the text and the
editable places the keystroke benchmark types into:

* ``run_lines``: physical lines that belong to a multi-line ``RUN`` (the first
  line or a ``&& \\`` continuation), each with the column range where typing a
  character keeps the continuation intact (never inside the trailing `` \\``);
* the text mixes several stages (``FROM ... AS name``), ``ARG``/``ENV``/
  ``LABEL``/``WORKDIR``/``COPY``/``USER``/``EXPOSE``, comments, blank lines and
  multi-line ``RUN``s with ``&& \\`` continuations, like hand-written files.

Deterministic for a given ``(n_lines, seed)``. No heredocs (they are measured by
the corpus instead).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

BASES = [
    "debian:12-slim", "ubuntu:22.04", "python:3.12-slim", "node:20-bookworm-slim",
    "golang:1.22-bookworm", "alpine:3.19", "eclipse-temurin:21-jre", "nginx:1.25-alpine",
    "ubuntu", "python:latest",  # DL3006 / DL3007 now and then, as in real files
]
PACKAGES = [
    "curl", "ca-certificates", "git", "build-essential", "libssl-dev", "pkg-config",
    "unzip", "gnupg", "tzdata", "locales", "jq", "less", "openssh-client", "make",
    "libffi-dev", "zlib1g-dev", "libpq-dev", "xz-utils", "procps", "tini",
]
WORDS = ["app", "build", "cache", "data", "config", "assets", "scripts", "vendor", "static", "bin"]
COMMANDS = [
    "mkdir -p /opt/{w}/{v}",
    "chmod 0755 /usr/local/bin/{w}",
    "useradd --system --create-home --uid 10{n} {w}",
    "curl -fsSL https://example.invalid/{w}/{v}.tar.gz -o /tmp/{w}.tgz",
    "tar -xzf /tmp/{w}.tgz -C /opt/{w} --strip-components=1",
    "rm -rf /tmp/{w}.tgz /var/tmp/*",
    "ln -s /opt/{w}/bin/{w} /usr/local/bin/{w}",
    "echo \"{w}={v}\" >> /etc/{w}.conf",
    "pip install --no-cache-dir {w}=={n}.{n}.0",
    "make -C /src/{w} -j\"$(nproc)\" install",
    "sed -i 's/^#\\s*\\({w}\\)/\\1/' /etc/{v}.conf",
    "find /opt/{w} -name '*.pyc' -delete",
]


@dataclass
class Generated:
    text: str
    lines: list[str]
    # (line, first editable column, length of the protected suffix)
    run_lines: list[tuple[int, int, int]] = field(default_factory=list)
    instructions: int = 0
    stages: int = 0


def _block(rng: random.Random, stage_no: int, new_stage: bool) -> tuple[list[str], list[tuple[int, int, int]], int]:
    """One hand-written looking chunk: (lines, editable RUN places relative to
    the block, instruction count). ``stage_no``: the index of the new stage
    (``new_stage``) or of the current one."""
    out: list[str] = []
    editable: list[tuple[int, int, int]] = []
    ins = 0
    if new_stage:
        if stage_no:
            out.append("")
        out.append(f"# stage {stage_no}: {rng.choice(WORDS)}")
        out.append(f"FROM {rng.choice(BASES)} AS stage{stage_no}")
        ins += 1
        return out, editable, ins
    kind = rng.choices(
        ["run", "run1", "arg", "env", "copy", "comment", "workdir", "label", "misc"],
        weights=[5, 1, 1, 1, 2, 1, 1, 1, 1],
    )[0]
    w, v, n = rng.choice(WORDS), rng.choice(WORDS), rng.randint(1, 9)
    if kind == "run":
        if rng.random() < 0.3:
            out.append(f"# install {w} and friends")
        pk = rng.sample(PACKAGES, rng.randint(2, 6))
        body = ["apt-get update", "apt-get install -y --no-install-recommends " + " ".join(pk)]
        body += [c.format(w=rng.choice(WORDS), v=rng.choice(WORDS), n=rng.randint(1, 9))
                 for c in rng.sample(COMMANDS, rng.randint(1, 6))]
        body.append("rm -rf /var/lib/apt/lists/*")
        first = len(out)
        out.append("RUN set -eux; \\")
        editable.append((first, len("RUN "), len("; \\")))
        for j, cmd in enumerate(body):
            last = j == len(body) - 1
            line = f"    {cmd}" + ("" if last else " && \\")
            editable.append((len(out), 4, 0 if last else len(" && \\")))
            out.append(line)
        ins += 1
    elif kind == "run1":  # one-line RUNs (DL3059 when two follow each other)
        cmd = rng.choice(COMMANDS).format(w=w, v=v, n=n)
        out.append(f"RUN {cmd}")
        editable.append((len(out) - 1, len("RUN "), 0))
        ins += 1
    elif kind == "arg":
        out.append(f"ARG {w.upper()}_VERSION={n}.{rng.randint(0, 20)}.{rng.randint(0, 9)}")
        ins += 1
    elif kind == "env":
        if rng.random() < 0.5:
            out.append(f"ENV {w.upper()}_HOME=/opt/{w} \\")
            out.append(f"    PATH=/opt/{w}/bin:$PATH")
        else:
            out.append(f"ENV {w.upper()}_MODE={v}")
        ins += 1
    elif kind == "copy":
        if rng.random() < 0.3 and stage_no:
            out.append(f"COPY --from=stage{rng.randint(0, stage_no - 1)} /opt/{w} /opt/{w}")
        else:
            out.append(f"COPY --chown={w}:{w} {v}/ /srv/{v}/")
        ins += 1
    elif kind == "comment":
        out.append(f"# {w} {v}: keep this in step with the {rng.choice(WORDS)} build")
    elif kind == "workdir":
        out.append(f"WORKDIR /srv/{w}")
        ins += 1
    elif kind == "label":
        out.append(f'LABEL org.opencontainers.image.title="{w}" \\')
        out.append(f'      org.opencontainers.image.version="{n}.0"')
        ins += 1
    else:
        out.append(rng.choice([f"USER {w}", f"EXPOSE 80{n}0", f"HEALTHCHECK CMD curl -f http://localhost:80{n}0/ || exit 1"]))
        ins += 1
    if rng.random() < 0.15:
        out.append("")
    return out, editable, ins


def generate(n_lines: int, seed: int = 0) -> Generated:
    """A Dockerfile of exactly ``n_lines`` lines (each ending in ``\\n``)."""
    if n_lines < 3:
        raise ValueError("n_lines must be >= 3")
    rng = random.Random(f"{n_lines}:{seed}")
    lines = ["# syntax=docker/dockerfile:1", "ARG BASE_TAG=12"]
    run_lines: list[tuple[int, int, int]] = []
    instructions, stages = 1, 0
    # about one stage per 150 lines, at least one
    stage_every = max(40, min(150, n_lines // 3))
    since_stage = 10**9
    while True:
        new_stage = since_stage >= stage_every
        block, editable, k = _block(rng, stages if new_stage else stages - 1, new_stage)
        if len(lines) + len(block) > n_lines:
            break
        base = len(lines)
        run_lines.extend((base + r, c, s) for r, c, s in editable)
        lines.extend(block)
        instructions += k
        if new_stage:
            stages += 1
            since_stage = 0
        else:
            since_stage += len(block)
    if stages == 0:  # tiny files: make sure there is a FROM
        lines = lines[: n_lines - 1]
        run_lines = [r for r in run_lines if r[0] < len(lines)]
        lines.append(f"FROM {rng.choice(BASES)}")
        stages, instructions = 1, instructions + 1
    filler = 0
    while len(lines) < n_lines:  # single-line instructions never break a continuation
        lines.append(f"LABEL filler.{filler}=\"{rng.choice(WORDS)}\"" if filler % 2 else f"# note {filler}")
        instructions += filler % 2
        filler += 1
    return Generated("".join(line + "\n" for line in lines), lines, run_lines, instructions, stages)


if __name__ == "__main__":  # pragma: no cover - manual inspection
    import sys

    g = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
    sys.stdout.write(g.text)
    sys.stderr.write(f"{len(g.lines)} lines, {g.instructions} instructions, {g.stages} stages, "
                     f"{len(g.run_lines)} editable RUN lines\n")
