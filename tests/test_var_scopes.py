"""Variable scoping across FROM chains, by index (issue 12: lookups that do
not walk the chain) against the definition: walk the stages one by one."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.syntax.model import Dockerfile, VarDef
from dockwise.syntax.parser import parse


def _walk_lookup(df: Dockerfile, stage, name: str, before: int) -> VarDef | None:
    """BuildKit's scoping as first written: the latest definition before
    ``before`` in the stage, ENV over ARG; else the same in the stage it is
    built FROM (all of it), and so on up the chain."""
    seen: set[int] = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        best = None
        for v in stage.vars:
            if v.name == name and v.instruction < before:
                if best is None or v.kind == "ENV" or best.kind != "ENV":
                    best = v
        if best is not None:
            return best
        before = 1 << 60
        stage = df.stages[stage.parent] if stage.parent is not None else None
    return None


def _walk_kind(df: Dockerfile, index: int, name: str, kind: str) -> VarDef | None:
    cur = index
    while cur is not None:
        st = df.stages[cur]
        found = [v for v in st.vars if v.name == name and v.kind == kind]
        if found:
            return found[-1]
        p = st.parent
        cur = p if p is not None and p < cur else None
    return None


NAMES = ["A", "B", "C"]


@st.composite
def files(draw) -> str:
    out = []
    n = draw(st.integers(1, 9))
    for i in range(n):
        parent = draw(st.integers(-1, i - 1))
        out.append(f"FROM {'img' if parent < 0 else f's{parent}'} AS s{i}")
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["ARG", "ENV", "RUN"]))
            name = draw(st.sampled_from(NAMES))
            out.append(f"{kind} {name}=x{i}" if kind != "RUN" else f"RUN echo ${name}")
    return "\n".join(out) + "\n"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(files())
def test_indexed_lookups_equal_the_chain_walk(text):
    df = parse(text)
    # fresh model: the index is built by the queries below, in any order
    for st_ in reversed(df.stages):
        for name in NAMES:
            for before in range(len(df.instructions) + 1):
                assert df.lookup_var(st_, name, before) == _walk_lookup(df, st_, name, before)
            for kind in ("ENV", "ARG"):
                assert df.visible_at_end(st_.index, name, kind) == _walk_kind(df, st_.index, name, kind)


def test_a_deep_chain_is_not_walked_per_lookup():
    """2,000 stages FROM one another, each asking for a name defined only at
    the root: every answer is right, and the index holds O(stages) entries."""
    n = 2000
    text = "FROM img AS s0\nARG ROOT=r\n" + "".join(f"FROM s{i - 1} AS s{i}\nRUN echo $ROOT $U{i}\n" for i in range(1, n))
    df = parse(text)
    for s in df.stages:
        root = df.lookup_var(s, "ROOT", 1 << 60)
        assert root is not None and root.value == "r"
        assert df.lookup_var(s, f"U{s.index}", 1 << 60) is None
    sc = df.derived["scopes"]
    assert sum(len(at) for at in sc.marks.values()) <= 2 * n
