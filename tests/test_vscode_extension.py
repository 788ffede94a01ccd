"""CI builds the VS Code extension: `npm ci`, `npm test` (node's test runner with a
stubbed `vscode`), `npm run package` (.vsix with vsce), then checks that the .vsix
carries the client and a server that runs from its bundled libraries alone, with
compiled modules for every CPython version that bundled/bundle.json declares (run
under each of those versions that this machine has) and bytecode (.pyc) for each version
it lists under "bytecode", which those runs use without compiling anything."""
from __future__ import annotations

import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "vscode-client"
STEP_TIMEOUT = 600


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = STEP_TIMEOUT) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        from need import missing

        missing("node/npm", "npm/node not installed: the VS Code extension is not built")
    work = tmp_path_factory.mktemp("vscode") / "vscode-client"
    shutil.copytree(CLIENT, work, ignore=shutil.ignore_patterns("node_modules", "out", "dist", "bundled", "*.vsix"))
    env = {**os.environ, "DOCKWISE_ROOT": str(ROOT), "DOCKWISE_PYTHON": sys.executable, "npm_config_update_notifier": "false"}
    _run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"], work, env)
    tests = _run([npm, "test"], work, env)
    _run([npm, "run", "package"], work, env)
    (vsix,) = work.glob("*.vsix")
    return work, vsix, tests.stdout


def test_unit_tests_pass(built):
    _, _, out = built
    assert "# fail 0" in out
    counts = {line.split()[1]: int(line.split()[2]) for line in out.splitlines()
              if line.startswith("# ") and len(line.split()) == 3 and line.split()[2].isdigit()}
    # every test the runner found passed: none failed, skipped or left to do
    assert counts["pass"] == counts["tests"] > 0 and counts.get("skipped", 0) == counts.get("todo", 0) == 0, out[-2000:]


def test_vsix_contains_client_server_and_dependencies(built):
    _, vsix, _ = built
    names = set(zipfile.ZipFile(vsix).namelist())
    for required in (
        "extension/package.json",
        "extension/dist/extension.js",
        "extension/bundled/libs/dockwise/__init__.py",
        "extension/bundled/libs/dockwise/lsp/server.py",
        "extension/bundled/libs/dockwise/rules/__init__.py",
        "extension/bundled/libs/pygls/__init__.py",
        "extension/bundled/libs/lsprotocol/__init__.py",
        "extension/bundled/libs/tree_sitter_bash/__init__.py",
    ):
        assert required in names, required
    assert any(n.startswith("extension/bundled/libs/dockwise/images/data/") and n.endswith(".json") for n in names)
    assert not any("/node_modules/" in n or n.startswith("extension/src/") or n.endswith((".ts", ".map")) for n in names)
    # compiled Python only as bundled/libs' bytecode (checked below), nowhere else
    assert not any(n.endswith(".pyc") and not n.startswith("extension/bundled/libs/") for n in names)
    assert not any(n.startswith("extension/bundled/libs/bin/") for n in names)
    manifest = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
    assert manifest["main"] == "./dist/extension.js"
    assert "dockwise.images.online" in manifest["contributes"]["configuration"]["properties"]


def _host_target() -> str:
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), platform.machine())
    return f"{'linux' if sys.platform.startswith('linux') else sys.platform}-{arch}"


def _bundle_json(vsix: Path) -> dict:
    return json.loads(zipfile.ZipFile(vsix).read("extension/bundled/bundle.json"))


def test_vsix_declares_its_platform_and_has_compiled_modules_for_each_declared_python(built):
    _, vsix, _ = built
    bundle = _bundle_json(vsix)
    assert bundle["implementation"] == "CPython"
    assert bundle["platform"] == _host_target() == vsix.name.split("-", 1)[1].rsplit("-", 1)[0]
    # tree-sitter 0.26 has wheels for these on every VS Code platform (3.14 too, so far)
    assert {"3.11", "3.12", "3.13"} <= set(bundle["pythons"]), bundle
    names = zipfile.ZipFile(vsix).namelist()

    def tagged(pkg: str) -> set[str]:
        return {m.group(1) for n in names
                if (m := re.fullmatch(rf"extension/bundled/libs/{pkg}/_\w+\.(?:cpython-|cp)(3\d+)[-.][^/]*\.(?:so|pyd)", n))}

    declared = {v.replace(".", "") for v in bundle["pythons"]}
    assert tagged("tree_sitter") == declared, "one tree-sitter binding per declared version, none other"
    assert tagged("yaml") == declared, "PyYAML's C module for each version (else its pure fallback; both import)"
    assert "extension/bundled/libs/tree_sitter_bash/_binding.abi3.so" in names


def _pythons() -> dict[str, str]:
    """CPython interpreters on this machine by version: PATH, then pyenv's installs."""
    found: dict[str, str] = {}
    for minor in range(10, 16):
        v = f"3.{minor}"
        for exe in [shutil.which(f"python{v}"), *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{v}.*/bin/python{v}")))]:
            if not exe:
                continue
            try:
                r = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.implementation.name)"],
                                   capture_output=True, text=True, timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if r.returncode == 0 and r.stdout.split() == [v, "cpython"]:
                found[v] = exe
                break
    return found


PYTHONS = _pythons()


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13", "3.14"])
def test_bundled_server_lints_under_each_declared_python(built, tmp_path, version):
    _, vsix, _ = built
    if version not in _bundle_json(vsix)["pythons"]:
        pytest.skip(f"the bundle does not declare CPython {version} (no wheels for it)")
    exe = sys.executable if version == f"{sys.version_info[0]}.{sys.version_info[1]}" else PYTHONS.get(version)
    if exe is None:
        pytest.skip(f"no CPython {version} on this machine to run the bundle with (the file check above covers it)")
    libs = _unzip(vsix, tmp_path)
    env = _bundled_env(libs)
    r = _run([exe, "-S", "-c", "import tree_sitter, yaml, dockwise.lsp.server; print(tree_sitter.__file__); print(yaml.__with_libyaml__)"], tmp_path, env, 60)
    assert r.stdout.split() == [str(libs / "tree_sitter" / "__init__.py"), "True"], r.stdout
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && cd /tmp\n")
    r = subprocess.run([exe, "-S", "-m", "dockwise", "lint", "--no-config", "-f", "json", "Dockerfile"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    codes = {v["code"] for v in json.loads(r.stdout)}
    # both need the shell parser (tree-sitter); without its binding the file gets a DW000 parser error instead
    assert {"DL3008", "DL3003"} <= codes and "DW000" not in codes, r.stdout + r.stderr


def _pyc_name(source: str, version: str) -> str:
    folder, slash, file = source.rpartition("/")
    return f"{folder}{slash}__pycache__/{file[:-3]}.cpython-{version.replace('.', '')}.pyc"


def test_vsix_ships_unchecked_bytecode_for_each_version_it_lists(built):
    _, vsix, _ = built
    bundle = _bundle_json(vsix)
    bytecode = bundle["bytecode"]
    assert set(bytecode) <= set(bundle["pythons"]), bundle
    # package.js looks where _pythons() looks: every bundled version this machine has is compiled
    assert {v for v in bundle["pythons"] if v in PYTHONS} <= set(bytecode), (bundle, PYTHONS)
    skipped = bundle.get("bytecode_skipped", {})
    assert not any(f.startswith("dockwise/") for files in skipped.values() for f in files), skipped
    z = zipfile.ZipFile(vsix)
    prefix = "extension/bundled/libs/"
    names = set(z.namelist())
    sources = [n[len(prefix):] for n in names if n.startswith(prefix) and n.endswith(".py")]
    assert len(sources) > 300
    pycs = {n[len(prefix):] for n in names if n.startswith(prefix) and n.endswith(".pyc")}
    expected = {_pyc_name(src, v) for v in bytecode for src in sources if src not in skipped.get(v, [])}
    # one .pyc per source file and listed version, none for other versions, no optimized (opt-N) ones
    assert pycs == expected, (sorted(expected - pycs)[:10], sorted(pycs - expected)[:10])
    for v in bytecode:
        magic = None
        if v in PYTHONS:
            r = _run([PYTHONS[v], "-I", "-S", "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"], ROOT, None, 60)
            magic = bytes.fromhex(r.stdout.strip())
        for src in ("dockwise/__init__.py", "dockwise/lsp/server.py", "pygls/__init__.py", "lsprotocol/types.py"):
            header = z.read(prefix + _pyc_name(src, v))[:16]
            # PEP 552 flags: 0b01 = hash-based, source not checked (extraction gives new mtimes; a
            # timestamp .pyc would be stale, an unchecked one is used as it is)
            assert int.from_bytes(header[4:8], "little") == 0b01, (v, src, header)
            if magic is not None:
                assert header[:4] == magic, (v, src, header[:4], magic)


def _pyc_listing(libs: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(libs)): (p.stat().st_mtime_ns, p.stat().st_size) for p in libs.rglob("*.pyc")}


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13", "3.14"])
def test_bundled_server_runs_from_the_shipped_bytecode_without_writing_any(built, tmp_path, version):
    _, vsix, _ = built
    bundle = _bundle_json(vsix)
    if version not in bundle["bytecode"]:
        pytest.skip(f"the bundle has no bytecode for CPython {version} (no interpreter when it was built)")
    exe = PYTHONS.get(version)
    if exe is None:
        pytest.skip(f"no CPython {version} on this machine to run the bundle with (the file check above covers it)")
    libs = _unzip(vsix, tmp_path)
    env = _bundled_env(libs)
    tag = f"cpython-{version.replace('.', '')}.pyc"
    before = _pyc_listing(libs)
    assert "dockwise/lsp/__pycache__/server." + tag in before
    r = _run([exe, "-S", "-c", "import sys, dockwise.lsp.server, dockwise.cli.main; print(sys.dont_write_bytecode)"], tmp_path, env, 60)
    assert r.stdout.split() == ["False"], r.stdout  # the interpreter would write bytecode it had to compile
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && cd /tmp\n")
    r = subprocess.run([exe, "-S", "-m", "dockwise", "lint", "--no-config", "-f", "json", "Dockerfile"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert "DL3008" in r.stdout, r.stdout + r.stderr
    after = _pyc_listing(libs)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == [], f"{len(changed)} .pyc written or rewritten: {changed[:10]}"
    # control: the same import where dockwise.lsp's bytecode is missing does write it
    shutil.rmtree(libs / "dockwise" / "lsp" / "__pycache__")
    _run([exe, "-S", "-c", "import dockwise.lsp.server"], tmp_path, env, 60)
    assert (libs / "dockwise" / "lsp" / "__pycache__" / f"server.{tag}").is_file()


def _unzip(vsix: Path, dest: Path) -> Path:
    with zipfile.ZipFile(vsix) as z:
        z.extractall(dest)
    return dest / "extension" / "bundled" / "libs"


def _bundled_env(libs: Path) -> dict:
    # only the bundled libraries: no site-packages (-S), no project checkout
    return {"PYTHONPATH": str(libs), "PYTHONSAFEPATH": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def test_bundled_server_imports_and_lints_without_the_environment(built, tmp_path):
    _, vsix, _ = built
    libs = _unzip(vsix, tmp_path)
    env = _bundled_env(libs)
    r = _run([sys.executable, "-S", "-c", "import dockwise.lsp.server, dockwise, pygls; print(dockwise.__file__); print(pygls.__file__)"], tmp_path, env, 60)
    assert all(line.startswith(str(libs)) for line in r.stdout.splitlines()), r.stdout
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n")
    r = subprocess.run([sys.executable, "-S", "-m", "dockwise", "lint", "--no-config", "-f", "json", "Dockerfile"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert "DL3059" in r.stdout, r.stdout + r.stderr
    r = _run([sys.executable, "-S", "-m", "dockwise", "rule", "--all"], tmp_path, env, 60)
    assert any(line.startswith("DL3059 ") for line in r.stdout.splitlines())


def _frame(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_bundled_server_answers_initialize_with_the_extensions_default_settings(built, tmp_path):
    """The command line the extension runs (`python -m dockwise serve`, bundled libs on
    PYTHONPATH) with the initializationOptions it sends when nothing is configured."""
    _, vsix, _ = built
    libs = _unzip(vsix, tmp_path)
    manifest = json.loads((tmp_path / "extension" / "package.json").read_text())
    options: dict = {}
    for key, prop in manifest["contributes"]["configuration"]["properties"].items():
        name = key.removeprefix("dockwise.")
        if name in ("interpreter", "path", "trace.server"):
            continue
        head, _, tail = name.partition(".")
        (options.setdefault(head, {}) if tail else options)[tail or name] = prop["default"]
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}, "initializationOptions": options}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]
    env = {**_bundled_env(libs), "DOCKWISE_OFFLINE": "1"}  # tests never touch the internet
    r = subprocess.run([sys.executable, "-S", "-m", "dockwise", "serve"], input=b"".join(map(_frame, messages)),
                       cwd=tmp_path, env=env, capture_output=True, timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 0, err  # 0: exit after shutdown
    replies = {m["id"]: m for m in _frames(r.stdout) if "id" in m}
    assert "textDocumentSync" in replies[1]["result"]["capabilities"], replies
    assert replies[2]["result"] is None
    assert "WARNING" not in err and "ERROR" not in err, err  # every contributed default is a valid setting
    # the server logs through window/logMessage (stderr stays empty): no warning or error there either
    problems = [m["params"]["message"] for m in _frames(r.stdout)
                if m.get("method") == "window/logMessage" and m["params"]["type"] in (1, 2)]
    assert problems == [], problems


def _frames(data: bytes) -> list[dict]:
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
        out.append(json.loads(rest[:length]))
        data = rest[length:]
    return out


def _smoke(work: Path, settings: dict) -> dict:
    """scripts/smoke.js: the built extension with the real vscode-languageclient and a fake `vscode`."""
    env = {**os.environ, "DOCKWISE_OFFLINE": "1"}
    r = subprocess.run(["node", "scripts/smoke.js", json.dumps(settings)], cwd=work, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_built_extension_starts_the_bundled_server_and_answers_its_configuration_requests(built):
    work, _, _ = built
    got = _smoke(work, {"dockwise.interpreter": [sys.executable, "-S"], "dockwise.trace.server": "verbose",
                        "dockwise.ignore": ["DL3008"], "dockwise.images.online": False})
    assert got["running"], got["log"][-3000:]
    assert got["popups"] == []
    assert got["serverExited"] is True  # deactivate: shutdown, exit
    log = got["log"]
    assert "-S -m dockwise serve" in log
    # initializationOptions, then the answer to the server's workspace/configuration request
    answer = log.split("Sending response 'workspace/configuration", 1)[1].split("Result:", 1)[1]
    result = json.loads(answer.split("\n\n", 1)[0])
    assert result[0]["ignore"] == ["DL3008"] and result[0]["images"]["online"] is False
    assert not {"interpreter", "path", "trace"} & set(result[0])


def test_built_extension_runs_under_another_declared_python(built):
    work, vsix, _ = built
    other = [v for v in _bundle_json(vsix)["pythons"] if v in PYTHONS and PYTHONS[v] != sys.executable and v != f"{sys.version_info[0]}.{sys.version_info[1]}"]
    if not other:
        pytest.skip("no other declared CPython version on this machine")
    got = _smoke(work, {"dockwise.interpreter": [PYTHONS[other[-1]]], "dockwise.images.online": False})
    assert got["running"], got["log"][-3000:]
    assert got["popups"] == []
    assert f"interpreter: cpython {other[-1]} on {_host_target()}" in got["log"]


def test_built_extension_refuses_a_python_the_bundle_does_not_fit(built):
    work, vsix, _ = built
    old = PYTHONS.get("3.10")
    # the real thing when this machine has a 3.10; else an interpreter that answers the version probe as one
    interpreter = [old] if old else [sys.executable, "-c", f"print('[\"cpython\", \"3.10\", \"{sys.platform}\", \"{platform.machine()}\", false]')"]
    got = _smoke(work, {"dockwise.interpreter": interpreter})
    assert not got["running"]
    assert len(got["popups"]) == 1, got["popups"]
    message = got["popups"][0]["message"]
    versions = _bundle_json(vsix)["pythons"]
    assert f"runs on CPython {', '.join(versions[:-1])} or {versions[-1]} on {_host_target()}, but " in message, message
    assert re.search(r'but ".*" is CPython 3\.10\. ', message), message
    assert "dockwise.path" in message


def test_built_extension_reports_a_failed_start_once_with_its_reason(built):
    work, _, _ = built
    got = _smoke(work, {"dockwise.interpreter": ["/nonexistent/bin/python3"]})
    assert not got["running"]
    assert [p["items"] for p in got["popups"]] == [["Show log"]]
    assert '"/nonexistent/bin/python3" was not found' in got["popups"][0]["message"]
    got = _smoke(work, {"dockwise.path": [sys.executable, "-c", "import dockwise_missing_module"]})
    assert len(got["popups"]) == 1, got["popups"]
    assert "No module named 'dockwise_missing_module'" in got["popups"][0]["message"]
