import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ServerProcess, StderrRelay, bundleDescription, bundleMismatch, describeStartFailure, lastError } from "../process";
import { serverCommand } from "../python";
import { FakeChannel } from "./stub";

test("stderr goes to the log; once the server mirrors its log, its own records are not shown twice", () => {
  const ch = new FakeChannel();
  const relay = new StderrRelay(ch);
  relay.mirrored = false; // a server that does not mirror its log
  relay.write("2025-01-01 10:00:00,001 INFO dockwise: starting\n");
  relay.mirrored = true;
  relay.write("2025-01-01 10:00:01,002 ERROR dockwise.lsp: boom\nTraceback (most recent call last):\n  File x\nValueError: bad\n");
  relay.write("2025-01-01 10:00:02,003 WARNING pygls.protocol: odd\n2025-01-01 10:00:03,000 INFO dock");
  relay.write("wise: split line\n");
  relay.write("2025-01-01 10:00:04,000 ERROR pygls.server: failed\nTraceback (most recent call last):\nKeyError: 'x'");
  relay.flush();
  assert.equal(ch.text, "2025-01-01 10:00:00,001 INFO dockwise: starting\n2025-01-01 10:00:02,003 WARNING pygls.protocol: odd\n2025-01-01 10:00:04,000 ERROR pygls.server: failed\nTraceback (most recent call last):\nKeyError: 'x'\n");
  assert.equal(relay.lines().at(-1), "KeyError: 'x'");
  assert.equal(relay.lines().length, 10, "every line is kept for error messages");
  assert.deepEqual(relay.hiddenRecent(6), ["ValueError: bad", "2025-01-01 10:00:03,000 INFO dockwise: split line"]);
});

test("a missing interpreter is explained, with the setting to change", async () => {
  const cmd = serverCommand({ path: [], interpreter: ["/nonexistent/python3"], source: "dockwise.interpreter", bundledLibs: "/b" });
  const proc = new ServerProcess(cmd, process.cwd(), new FakeChannel());
  const exit = await proc.exitWithin(5000);
  assert.equal(exit?.error?.code, "ENOENT");
  const msg = describeStartFailure(cmd, exit, proc.stderr.lines(), new Error("closed"));
  assert.match(msg, /"\/nonexistent\/python3" was not found/);
  assert.match(msg, /from dockwise\.interpreter/);
  assert.match(msg, /Choose another interpreter \(setting dockwise\.interpreter or the Python extension\), or point dockwise\.path/);
});

test("a server that dies at start is explained by its last error line", async () => {
  const script = "process.stderr.write('Traceback (most recent call last):\\n  File \"x\"\\nModuleNotFoundError: No module named \\'tree_sitter._binding\\'\\n'); process.exit(1)";
  const cmd = serverCommand({ path: [], interpreter: [process.execPath, "-e", script, "--"], source: "default", bundledLibs: "/b" });
  const proc = new ServerProcess(cmd, process.cwd(), new FakeChannel());
  const exit = await proc.exitWithin(10000);
  assert.equal(exit?.code, 1);
  await new Promise((r) => setTimeout(r, 50)); // stderr may end just after exit
  const msg = describeStartFailure(cmd, exit, proc.stderr.lines(), undefined, { implementation: "CPython", pythons: ["3.11", "3.12"], platform: "linux-x64" });
  assert.match(msg, /exited with code 1 while starting: ModuleNotFoundError: No module named 'tree_sitter._binding'/);
  assert.match(msg, /The bundled server runs on CPython 3\.11 or 3\.12 on linux-x64\./);
});

test("after a crash its recent hidden log lines are written to the log", async () => {
  const ch = new FakeChannel();
  const script = "process.stderr.write('2025-01-01 10:00:00,000 ERROR dockwise: dying\\nRuntimeError: gone\\n'); setTimeout(() => process.exit(2), 200)";
  const cmd = serverCommand({ path: [process.execPath, "-e", script, "--"], interpreter: [], source: "dockwise.path", bundledLibs: "/b" });
  const proc = new ServerProcess(cmd, process.cwd(), ch);
  await proc.exitWithin(10000);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ch.text, "[dockwise] the server exited (code 2); its last log lines:\n2025-01-01 10:00:00,000 ERROR dockwise: dying\nRuntimeError: gone\n");
});

test("a stuck server is killed after its grace period", async () => {
  const cmd = serverCommand({ path: [process.execPath, "-e", "setInterval(() => {}, 1000)", "--"], interpreter: [], source: "dockwise.path", bundledLibs: "/b" });
  const proc = new ServerProcess(cmd, process.cwd(), new FakeChannel());
  assert.equal(proc.running, true);
  await proc.ensureStopped(100);
  assert.equal(proc.running, false);
});

test("lastError prefers the exception line", () => {
  assert.equal(lastError(["Traceback (most recent call last):", "  File x", "SyntaxError: invalid syntax", "", "  "]), "SyntaxError: invalid syntax");
  assert.equal(lastError(["something", "went wrong"]), "went wrong");
  assert.equal(lastError([]), "");
});

test("bundle.json's versions and platform decide which interpreters fit", () => {
  const bundle = { implementation: "CPython", pythons: ["3.11", "3.12", "3.13", "3.14"], platform: "darwin-arm64" };
  const py = (version: string, platform = "darwin-arm64", implementation = "cpython", freeThreaded = false) => ({ implementation, version, platform, freeThreaded });
  for (const v of bundle.pythons) assert.equal(bundleMismatch(bundle, py(v), ["python3"]), undefined, v);
  assert.equal(bundleMismatch(bundle, py("3.10"), ["python3"]), 'The bundled dockwise server runs on CPython 3.11, 3.12, 3.13 or 3.14 on darwin-arm64, but "python3" is CPython 3.10. Choose another interpreter (setting dockwise.interpreter or the Python extension), or point dockwise.path at an installed dockwise.');
  assert.match(bundleMismatch(bundle, py("3.15"), ["/opt/py/bin/python3.15", "-X", "utf8"])!, /but "\/opt\/py\/bin\/python3\.15 -X utf8" is CPython 3\.15\./);
  assert.match(bundleMismatch(bundle, py("3.12", "darwin-x64"), ["python3"])!, /but "python3" is on darwin-x64\./, "an x86_64 Python under Rosetta");
  assert.match(bundleMismatch(bundle, py("3.10", "linux-x64"), ["python3"])!, /is CPython 3\.10 on linux-x64\./);
  assert.match(bundleMismatch(bundle, py("3.11", "darwin-arm64", "pypy"), ["pypy3"])!, /is pypy\./);
  assert.match(bundleMismatch(bundle, py("3.14", "darwin-arm64", "cpython", true), ["python3.14t"])!, /is a free-threaded build of 3\.14\./);
  assert.equal(bundleMismatch({}, py("3.9"), ["python3"]), undefined, "a bundle that declares nothing is not checked");
  assert.equal(bundleDescription({ pythons: ["3.12"] }), "CPython 3.12");
  assert.equal(bundleDescription({}), "CPython 3.11+");
});
