"""scripts/install-system-deps fails loudly when apt-get fails (a test run
without its editors would only report skips), and cleans up after itself."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_apt_failure_is_fatal_and_shown(tmp_path):
    if os.geteuid() != 0:
        print("not root: the script does not call apt-get at all (it says so and exits 0)")
        pytest.skip("needs root to reach apt-get")
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "calls"
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {calls}\n'
                                  'echo "E: Unable to locate package $5" >&2\nexit 100\n')
    (fake / "apt-get").chmod(0o755)
    for tool in ("bash", "id", "ls", "tail", "tee", "chmod", "rm", "cat"):
        real = shutil.which(tool)
        assert real, tool
        os.symlink(real, fake / tool)
    policy = tmp_path / "policy-rc.d"
    env = {"PATH": str(fake), "DOCKWISE_POLICY_RC_D": str(policy), "HOME": str(tmp_path)}
    p = subprocess.run([str(fake / "bash"), str(ROOT / "scripts" / "install-system-deps")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    assert "FAILED" in p.stderr and "Unable to locate package" in p.stderr
    for pkg in ("neovim", "emacs-nox", "vim-nox"):  # the ones looked up on PATH (here: none found)
        assert pkg in p.stderr
    log = calls.read_text().splitlines()
    assert log[0].startswith("apt-get install") and log[1] == "apt-get update -q" and log[2].startswith("apt-get install")
    assert not policy.exists()  # the service guard it put in place is gone again
