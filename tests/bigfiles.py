"""Generated Dockerfiles of N RUN instructions, for the scaling checks
(``tests/test_scaling.py``, ``tests/test_fuzz.py``, ``bench/scaling.py``).

Each shape is deterministic in ``n`` and made to give the fix loop and the
formatter work on every RUN:

* ``chain``: one stage of single-command RUNs (DL3059 chains them);
* ``apt``: one stage of ``apt-get update && apt-get install`` RUNs (DL3009,
  DL3015, DW002-like fixes on every RUN);
* ``mixed``: hand-written looking stages of 25 RUNs (apt, apk, pip, npm, plain
  commands, continuations with comments inside, ARG/ENV/COPY/WORKDIR between
  them, ``COPY --from`` of earlier stages), keywords in odd case and messy
  indentation for the formatter;
* ``messy``: one stage of multi-line RUNs with odd keyword case, gaps,
  indentation, trailing blanks and comment lines inside continuations — what
  the formatter rewrites on every line.
"""
from __future__ import annotations

SHAPES = ("chain", "apt", "mixed", "messy")

_MIXED = (
    "RUN apt-get update && apt-get install -y curl{i} ca-certificates",
    "run   apk add --update py3-{i}",
    "RUN pip install flask=={i}.0",
    "RUN npm install -g tool{i}",
    "RUN echo {i} > /etc/n{i}",
    "RUN mkdir -p /opt/app{i} \\\n      && cd /opt/app{i} \\\n  # fetch it\n      && curl -fsSL https://example.invalid/{i}.tgz | tar -xz",
    "RUN yum install -y pkg{i}",
    "RUN apt-get install -y \\\n        git \\\n        make{i}   ",
    "WORKDIR /src{i}",
    "ENV  V{i}=x{i}",
    "ARG A{i}=1",
    "COPY . /src{i}",
)


def generate(n: int, shape: str) -> str:
    """A Dockerfile of exactly ``n`` RUN instructions (``mixed``: about ``n``
    instructions, of which ``n`` RUNs)."""
    out: list[str] = []
    if shape == "chain":
        out.append("FROM debian:12")
        out.extend(f"RUN echo {i}" for i in range(n))
    elif shape == "apt":
        out.append("FROM debian:12")
        out.extend(f"RUN apt-get update && apt-get install -y pkg{i}" for i in range(n))
    elif shape == "messy":
        out.append("from   debian:12")
        for i in range(n):
            out.append(f"  run   echo {i} \\   ")
            out.append(" # step")
            out.append(f"          &&  make   -C /src/{i} \\")
            out.append("\t&& true   ")
    elif shape == "mixed":
        runs = stage = k = 0
        in_stage = 25
        while runs < n:
            if in_stage == 25:
                if stage:
                    out.append("")
                base = "debian:12" if stage % 3 else "python:3.12"
                out.append(f"FROM {base} AS s{stage}" if stage % 2 == 0 else f"from s{stage - 1} as s{stage}")
                if stage >= 2:
                    out.append(f"COPY --from=s{stage - 2} /opt /opt")
                stage += 1
                in_stage = 0
            t = _MIXED[k % len(_MIXED)]
            k += 1
            out.append(t.format(i=k))
            if t.lstrip().lower().startswith("run"):
                runs += 1
                in_stage += 1
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return "\n".join(out) + "\n"
