"""hadolint's own rule specs as an oracle for every DL rule.

Each case of ``cases.json`` (extracted by ``extract.py`` from hadolint
2.15.1's ``test/Hadolint/Rule/DL*Spec.hs``, named by spec file and line) is
run raw, fragments without ``FROM`` included. dockwise must agree with the
outcome hadolint's spec expects, except for the cases listed with a reason in
``differences.json``; a listed case that agrees again must be taken off the
list, so the list is always the exact set of disagreements.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import spec_cases as sc
from dockwise import rules

CASES = [c for c in sc.cases() if sc.is_rule_case(c)]
KNOWN = sc.differences()


def _id(case: dict) -> str:
    return f"{case['code']}-{sc.key(case)}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_spec_case(case):
    n = sc.findings(case)
    agrees = sc.expected(case, n)
    what = f"{case['assert']} {case['code']} ({case.get('count')}) on {case['dockerfile']!r}: dockwise has {n}"
    if sc.key(case) in KNOWN:
        assert not agrees, f"listed as a difference but dockwise now agrees; take it off differences.json: {what}"
    else:
        assert agrees, f"{sc.key(case)} ({case['it']}): {what}"


def test_agreement_is_at_least_97_percent_and_every_rule_has_cases():
    agree = sum(1 for c in CASES if sc.key(c) not in KNOWN)
    assert agree / len(CASES) >= 0.97, (agree, len(CASES))
    per_code = defaultdict(int)
    for c in CASES:
        per_code[c["code"]] += 1
    dl = {r.code for r in rules.ALL_RULES if r.code.startswith("DL")}
    assert set(per_code) == dl, sorted(set(per_code) ^ dl)  # every DL rule of hadolint has its spec here
    assert len(dl) == 71


def test_differences_name_real_cases_with_a_reason():
    keys = {sc.key(c) for c in CASES}
    for k, reason in KNOWN.items():
        assert k in keys, k
        assert reason.strip() and "\n" not in reason


def test_the_one_vacuous_upstream_case_is_the_only_one_left_out():
    left = [sc.key(c) for c in sc.cases() if not sc.is_rule_case(c)]
    assert left == ["DL3045Spec.hs:35"]


def test_cases_json_is_what_the_extractor_makes():
    repo = os.environ.get("HADOLINT_REPO", "/work/.mirror/hadolint+hadolint/repo")
    if not Path(repo).is_dir():
        pytest.skip(f"hadolint's git repository not found at {repo} (set HADOLINT_REPO) to re-extract the specs")
    here = Path(sc.__file__).resolve().parent
    r = subprocess.run([sys.executable, str(here / "extract.py"), "--repo", repo, "--check"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
