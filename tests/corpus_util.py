"""Where the real-Dockerfile corpus is (tests and bench share this)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path | None:
    """The real-Dockerfile corpus: $DOCKWISE_CORPUS or ../shared/corpus/real."""
    env = os.environ.get("DOCKWISE_CORPUS")
    cands = [Path(env)] if env else []
    cands.append(ROOT.parent / "shared" / "corpus" / "real")
    for c in cands:
        if c.is_dir():
            return c
    return None


def corpus_files(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.endswith(".dockerignore") and p.name not in ("README.md", "SOURCES.tsv"):
            out.append(p)
    return out
