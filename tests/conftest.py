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
