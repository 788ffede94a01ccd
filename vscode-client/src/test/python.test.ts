import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { parseProbe, probeInterpreter, pythonExtensionInterpreter, resolveInterpreter, serverCommand, substitute } from "../python";
import { pythonExtension } from "./stub";

test("the dockwise.interpreter setting wins over the Python extension", async () => {
  let asked = false;
  const r = await resolveInterpreter(["/venv/bin/python", "-X", "utf8"], async () => ((asked = true), "/other/python"));
  assert.deepEqual(r, { argv: ["/venv/bin/python", "-X", "utf8"], source: "dockwise.interpreter" });
  assert.equal(asked, false, "the Python extension is not asked when the setting is set");
});

test("then the Python extension's interpreter, then python3 (python on Windows)", async () => {
  assert.deepEqual(await resolveInterpreter([], async () => "/api/python"), { argv: ["/api/python"], source: "Python extension" });
  assert.deepEqual(await resolveInterpreter([], undefined, undefined, "linux"), { argv: ["python3"], source: "default" });
  assert.deepEqual(await resolveInterpreter([], undefined, undefined, "win32"), { argv: ["python"], source: "default" });
  assert.deepEqual(await resolveInterpreter([], async () => undefined, undefined, "darwin"), { argv: ["python3"], source: "default" });
});

test("a failing Python extension falls back to python3 and says why in the log", async () => {
  const logs: string[] = [];
  const r = await resolveInterpreter([], async () => { throw new Error("API exploded"); }, (m) => logs.push(m), "linux");
  assert.deepEqual(r.argv, ["python3"]);
  assert.match(logs.join("\n"), /API exploded/);
});

test("the Python extension's API: activated on demand, resolved to the executable", async () => {
  const ext = pythonExtension("/home/u/.venv/bin/python");
  const ask = pythonExtensionInterpreter((id) => (id === "ms-python.python" ? ext : undefined), undefined);
  assert.ok(ask);
  assert.equal(await ask(), "/home/u/.venv/bin/python");
  assert.equal(ext.activations, 1);
  assert.equal(pythonExtensionInterpreter(() => undefined, undefined), undefined, "absent extension: not asked");
});

test("the Python extension's API: errors and hangs are bounded", async () => {
  const broken = pythonExtension(new Error("no environment"), { isActive: true });
  await assert.rejects(pythonExtensionInterpreter(() => broken, undefined)!(), /no environment/);
  const noApi = { isActive: true, exports: {}, activate: async () => ({}) };
  await assert.rejects(pythonExtensionInterpreter(() => noApi, undefined)!(), /getActiveEnvironmentPath/);
  const hanging = { isActive: false, exports: undefined, activate: () => new Promise<never>(() => {}) };
  await assert.rejects(pythonExtensionInterpreter(() => hanging, undefined, 50)!(), /did not answer/);
  assert.equal(await resolveInterpreter([], pythonExtensionInterpreter(() => hanging, undefined, 50), () => {}, "linux").then((r) => r.argv[0]), "python3");
});

test("bundled server command: python -m dockwise serve with the bundled libs first on PYTHONPATH", () => {
  const cmd = serverCommand({ path: [], interpreter: ["py", "-3.12"], source: "default", bundledLibs: "/ext/bundled/libs", env: { PYTHONPATH: "/mine" } });
  assert.equal(cmd.command, "py");
  assert.deepEqual(cmd.args, ["-3.12", "-m", "dockwise", "serve"]);
  assert.equal(cmd.env.PYTHONPATH, ["/ext/bundled/libs", "/mine"].join(path.delimiter));
  assert.equal(cmd.env.PYTHONSAFEPATH, "1");
  assert.equal(cmd.bundled, true);
});

test("dockwise.path runs an installed dockwise without the bundled libs", () => {
  const cmd = serverCommand({ path: ["/usr/local/bin/dockwise"], interpreter: ["python3"], source: "dockwise.path", bundledLibs: "/ext/bundled/libs", env: {} });
  assert.deepEqual([cmd.command, ...cmd.args], ["/usr/local/bin/dockwise", "serve"]);
  assert.equal(cmd.env.PYTHONPATH, undefined);
  assert.equal(cmd.bundled, false);
  const rule = serverCommand({ path: ["pipx", "run", "dockwise"], interpreter: [], source: "dockwise.path", bundledLibs: "/x", env: {} }, ["rule", "--all"]);
  assert.deepEqual([rule.command, ...rule.args], ["pipx", "run", "dockwise", "rule", "--all"]);
});

test("settings may use ${workspaceFolder}, ${userHome} and ~", () => {
  assert.deepEqual(substitute(["${workspaceFolder}/.venv/bin/python", "~/x", "${userHome}/y", "${other}"], { workspaceFolder: "/ws", userHome: "/home/u" }), ["/ws/.venv/bin/python", "/home/u/x", "/home/u/y", "${other}"]);
  assert.deepEqual(substitute(["${workspaceFolder}/p"], {}), ["${workspaceFolder}/p"]);
});

test("the interpreter probe's answer names VS Code's platform", () => {
  assert.deepEqual(parseProbe('["cpython", "3.12", "linux", "x86_64", false]\n'), { implementation: "cpython", version: "3.12", platform: "linux-x64", freeThreaded: false });
  assert.equal(parseProbe('["cpython", "3.13", "darwin", "arm64", true]')!.platform, "darwin-arm64");
  assert.equal(parseProbe('["cpython", "3.13", "darwin", "arm64", true]')!.freeThreaded, true);
  assert.equal(parseProbe('["cpython", "3.11", "win32", "AMD64", false]')!.platform, "win32-x64");
  assert.equal(parseProbe('["cpython", "3.11", "linux", "aarch64", null]')!.platform, "linux-arm64");
  assert.equal(parseProbe("Python 2.7.18"), undefined);
  assert.equal(parseProbe(""), undefined);
  assert.equal(parseProbe('{"a": 1}'), undefined);
});

test("probing an interpreter: a real Python answers, a missing one or a non-Python rejects", async () => {
  const python = ["python3", "python"].find((p) => spawnSync(p, ["--version"]).status === 0);
  if (python) {
    const info = await probeInterpreter([python]);
    const want = spawnSync(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" }).stdout.trim();
    assert.equal(info.version, want);
    assert.equal(info.implementation, "cpython");
    assert.equal(info.platform, `${process.platform}-${process.arch}`);
  } else {
    console.log("# no python3 on PATH: only the failure cases are checked");
  }
  await assert.rejects(probeInterpreter(["/nonexistent/python3"]), /ENOENT/);
  await assert.rejects(probeInterpreter([process.execPath, "-e", "console.log('hello')", "--"]), /unexpected answer: hello/);
  await assert.rejects(probeInterpreter([process.execPath, "-e", "setInterval(() => {}, 1000)", "--"], 200));
});
