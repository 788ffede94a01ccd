"""scripts/install-system-deps fails when it cannot install what the tests need,
and the CI rules of tests/need.py. The script runs with a PATH of fakes: no
package is installed and nothing outside a temporary directory is written."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install-system-deps"


def fake_bin(tmp_path: Path, *, uid: int = 0, apt_ok: bool = False) -> Path:
    b = tmp_path / "bin"
    b.mkdir()
    fakes = {
        # an apt-get that fails (or "installs" nothing: the tools are still missing afterwards)
        "apt-get": f"#!/bin/sh\necho apt-get \"$@\" >> {tmp_path}/apt-calls\nexit {0 if apt_ok else 100}\n",
        "id": f"#!/bin/sh\necho {uid}\n",
        "tee": "#!/bin/sh\nexec /bin/cat >/dev/null\n",  # never writes /usr/sbin/policy-rc.d
        "chmod": "#!/bin/sh\nexit 0\n",
        "rm": "#!/bin/sh\nexit 0\n",
        "tail": "#!/bin/sh\nexit 0\n",
    }
    for name, body in fakes.items():
        (b / name).write_text(body)
        (b / name).chmod(0o755)
    return b


def run(tmp_path: Path, b: Path, ci: bool) -> subprocess.CompletedProcess:
    env = {"PATH": str(b), "HOME": str(tmp_path), "DOCKWISE_POLICY_RC_D": str(tmp_path / "policy-rc.d")}
    if ci:
        env["CI"] = "1"
    return subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("ci", [False, True])
def test_a_failed_install_fails(tmp_path, ci):
    # nvim, node and npm are not on this PATH: the script must try to install them
    b = fake_bin(tmp_path)
    r = run(tmp_path, b, ci)
    assert r.returncode == 1, r.stderr
    assert "apt-get install" in r.stderr and "FAILED" in r.stderr
    assert "install neovim" in (tmp_path / "apt-calls").read_text().replace("-y -q --no-install-recommends ", "")


def test_an_install_that_leaves_a_tool_missing_fails(tmp_path):
    b = fake_bin(tmp_path, apt_ok=True)
    r = run(tmp_path, b, ci=False)
    assert r.returncode == 1 and "still missing" in r.stderr, r.stderr


def test_without_root_a_warning_outside_ci_and_a_failure_in_ci(tmp_path):
    b = fake_bin(tmp_path, uid=1000)  # and no sudo on PATH
    r = run(tmp_path, b, ci=False)
    assert r.returncode == 0 and "will say they were skipped" in r.stderr
    r = run(tmp_path, b, ci=True)
    assert r.returncode == 1 and "CI requires them" in r.stderr
    assert not (tmp_path / "apt-calls").exists()


def test_ci_run_sets_ci_and_runs_the_readme_command():
    text = (ROOT / ".ci" / "run").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines[-2:] == ["export CI=1", "bash scripts/test"]


def test_missing_fails_in_ci_and_skips_elsewhere(monkeypatch):
    import need

    monkeypatch.setattr(need, "CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI requires neovim, which is missing: nvim not installed"):
        need.missing("neovim", "nvim not installed")
    monkeypatch.setattr(need, "CI", False)
    with pytest.raises(pytest.skip.Exception, match="nvim not installed"):
        need.missing("neovim", "nvim not installed")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_as_unprivileged_drops_root():
    from need import NOBODY, as_unprivileged

    uid, _, _ = as_unprivileged(os.geteuid)
    assert uid == (NOBODY if os.geteuid() == 0 else os.geteuid())
