// activate() and the Controller against the stubbed `vscode` and languageclient modules.
import { afterEach, beforeEach, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { changeSettings, context, fake, pythonExtension, reset } from "./stub"; // installs the require hook first
import { Controller, activate, deactivate } from "../extension";

beforeEach(() => reset());
afterEach(() => deactivate());

const start = (): Promise<Controller> => activate(context() as any);
/** The command a client would run: the controller resolves it before constructing the client. */
const lastCommand = (c: Controller) => [c.command!.command, ...c.command!.args];

test("activation registers the commands and starts a client for Dockerfiles", async () => {
  fake.settings["dockwise.interpreter"] = ["/venv/bin/python"];
  const c = await start();
  for (const id of ["dockwise.restart", "dockwise.showLogs", "dockwise.fixAll", "dockwise.showRuleDocs"]) assert.ok(fake.commands.has(id), id);
  assert.equal(fake.clients.length, 1);
  assert.equal(fake.clients[0].id, "dockwise", "the id makes vscode-languageclient read dockwise.trace.server");
  assert.deepEqual(fake.clients[0].clientOptions.documentSelector, [{ scheme: "file", language: "dockerfile" }, { scheme: "untitled", language: "dockerfile" }]);
  assert.deepEqual(lastCommand(c), ["/venv/bin/python", "-m", "dockwise", "serve"]);
  assert.equal(c.command!.env.PYTHONPATH!.split(path.delimiter)[0], path.join(context().extensionPath, "bundled", "libs"));
  assert.equal(typeof fake.clients[0].serverOptions, "function", "the controller spawns the server itself");
  assert.equal(fake.clients[0].clientOptions.outputChannel, fake.channels[0], "server output and traces go to the dockwise channel");
  assert.equal(fake.errors.length, 0);
});

test("interpreter order: dockwise.path, then dockwise.interpreter, then the Python extension, then python3", async () => {
  const py = pythonExtension("/home/u/proj/.venv/bin/python");
  fake.extensions["ms-python.python"] = py;
  fake.settings["dockwise.path"] = ["/usr/local/bin/dockwise"];
  fake.settings["dockwise.interpreter"] = ["/usr/bin/python3.12"];
  const c = await start();
  assert.deepEqual(lastCommand(c), ["/usr/local/bin/dockwise", "serve"]);
  assert.equal(c.command!.env.PYTHONPATH, process.env.PYTHONPATH, "an installed dockwise does not get the bundled libs");

  changeSettings({ "dockwise.path": [] });
  await c.restart("test");
  assert.deepEqual(lastCommand(c), ["/usr/bin/python3.12", "-m", "dockwise", "serve"]);
  assert.equal(py.activations, 0, "the Python extension is not woken up when the setting decides");

  changeSettings({ "dockwise.interpreter": [] });
  await c.restart("test");
  assert.deepEqual(lastCommand(c), ["/home/u/proj/.venv/bin/python", "-m", "dockwise", "serve"]);
  assert.equal(c.command!.source, "Python extension");

  delete fake.extensions["ms-python.python"];
  await c.restart("test");
  assert.deepEqual(lastCommand(c), [process.platform === "win32" ? "python" : "python3", "-m", "dockwise", "serve"]);
});

test("a broken Python extension does not stop the server from starting", async () => {
  fake.extensions["ms-python.python"] = pythonExtension(new Error("environments not ready"));
  const c = await start();
  assert.deepEqual(lastCommand(c).slice(1), ["-m", "dockwise", "serve"]);
  assert.equal(c.command!.source, "default");
  assert.match(fake.channels[0].text, /environments not ready/);
  assert.equal(fake.clients.at(-1)!.started, true);
});

test("a new active interpreter in the Python extension restarts the server", async () => {
  const py = pythonExtension("/a/python");
  fake.extensions["ms-python.python"] = py;
  const c = await start();
  assert.equal(fake.clients.length, 1);
  py.changed.fire({});
  await c.settled();
  assert.equal(fake.clients.length, 2);
  assert.match(fake.channels[0].text, /starting the server \(the Python interpreter changed\)/);
  assert.equal(fake.clients[0].stopped, true);
});

/** A stand-in interpreter that answers the version probe as `answer` (node ignores the probe's arguments after `--`). */
const fakePython = (answer: unknown[]) => [process.execPath, "-e", `console.log(${JSON.stringify(JSON.stringify(answer))})`, "--"];
const BUNDLE = { implementation: "CPython", pythons: ["3.11", "3.12", "3.13"], platform: "linux-x64" };

test("an interpreter the bundle has no compiled modules for is refused before the server starts, once, with both sides named", async () => {
  fake.settings["dockwise.interpreter"] = fakePython(["cpython", "3.10", "linux", "x86_64", false]);
  const c = await activate(context(BUNDLE) as any);
  assert.equal(fake.clients.length, 0, "no server is started");
  assert.equal(fake.errors.length, 1);
  assert.match(fake.errors[0].message, /runs on CPython 3\.11, 3\.12 or 3\.13 on linux-x64, but ".*" is CPython 3\.10\. /);
  assert.match(fake.errors[0].message, /dockwise\.path/);
  assert.deepEqual(fake.errors[0].items, ["Show log"]);
  await c.restart("test");
  assert.equal(fake.errors.length, 1, "the same message is not shown again");

  changeSettings({ "dockwise.interpreter": fakePython(["cpython", "3.12", "linux", "aarch64", false]) });
  await c.settled();
  assert.match(fake.errors[1].message, /but ".*" is on linux-arm64\. /, "right version, wrong platform");
  changeSettings({ "dockwise.interpreter": fakePython(["cpython", "3.13", "linux", "x86_64", true]) });
  await c.settled();
  assert.match(fake.errors[2].message, /is a free-threaded build of 3\.13\. /);
  assert.equal(fake.clients.length, 0);
});

test("an interpreter the bundle declares starts; one that cannot be asked starts too (and fails with its own reason)", async () => {
  fake.settings["dockwise.interpreter"] = fakePython(["cpython", "3.12", "linux", "x86_64", false]);
  const c = await activate(context(BUNDLE) as any);
  assert.equal(fake.clients.length, 1);
  assert.equal(fake.errors.length, 0);
  assert.match(fake.channels[0].text, /interpreter: cpython 3\.12 on linux-x64/);
  changeSettings({ "dockwise.interpreter": ["/nonexistent/python3"] });
  await c.settled();
  assert.equal(fake.clients.length, 2, "not refused: starting it reports the real problem");
  assert.match(fake.channels[0].text, /could not ask \/nonexistent\/python3 for its version/);
});

test("without bundle.json (a development checkout) the interpreter is not checked", async () => {
  fake.settings["dockwise.interpreter"] = fakePython(["cpython", "3.10", "linux", "x86_64", false]);
  await start();
  assert.equal(fake.clients.length, 1);
  assert.doesNotMatch(fake.channels[0].text, /interpreter: /);
});

test("initializationOptions: the dockwise section with nested dotted names, defaults from package.json, no client-only settings", async () => {
  fake.settings["dockwise.ignore"] = ["DL3008"];
  fake.settings["dockwise.images.online"] = false;
  fake.settings["dockwise.interpreter"] = ["/venv/bin/python"];
  await start();
  const init = fake.clients[0].clientOptions.initializationOptions;
  assert.deepEqual(init.ignore, ["DL3008"]);
  assert.equal(init.select, null);
  // package.json's default (generated from the server's settings: lint on every change)
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  assert.equal(init.debounceMs, manifest.contributes.configuration.properties["dockwise.debounceMs"].default);
  assert.equal(init.debounceMs, 0);
  assert.equal(init.diagnosticMode, "auto");
  assert.deepEqual(init.images, { online: false, platform: null, registries: [], inlayHints: true });
  assert.equal("interpreter" in init, false);
  assert.equal("path" in init, false);
  assert.equal("trace" in init, false);
});

test("workspace/configuration for section dockwise answers the server settings; other sections go to VS Code", async () => {
  fake.settings["dockwise.unsafeFixes"] = true;
  await start();
  const mw = fake.clients[0].clientOptions.middleware.workspace.configuration;
  const next = async (p: any) => p.items.map((i: any) => `vscode:${i.section}`);
  const answer = await mw({ items: [{ section: "dockwise" }, { section: "editor" }] }, undefined, next);
  assert.equal(answer[0].unsafeFixes, true);
  assert.equal("interpreter" in answer[0], false);
  assert.equal(answer[1], "vscode:editor");
});

test("changing a server setting notifies the running server; changing the interpreter restarts it", async () => {
  const c = await start();
  changeSettings({ "dockwise.ignore": ["DL3059"] });
  assert.equal(fake.clients.length, 1, "no restart for a server setting");
  const n = fake.clients[0].notifications.at(-1)!;
  assert.equal(n.method, "workspace/didChangeConfiguration");
  assert.deepEqual(n.params.settings.dockwise.ignore, ["DL3059"]);
  assert.equal("interpreter" in n.params.settings.dockwise, false);

  changeSettings({ "dockwise.interpreter": ["/other/python"] });
  await c.settled();
  assert.equal(fake.clients[0].stopped, true);
  assert.equal(fake.clients.length, 2);
  assert.deepEqual(lastCommand(c), ["/other/python", "-m", "dockwise", "serve"]);
});

test("the restart command stops the running server and starts a new one", async () => {
  fake.settings["dockwise.interpreter"] = ["/venv/bin/python"];
  await start();
  await fake.commands.get("dockwise.restart")!();
  assert.equal(fake.clients.length, 2);
  assert.equal(fake.clients[0].stopped, true);
  assert.equal(fake.clients[1].started, true);
  assert.equal(fake.clients[1].stopped, false);
  assert.deepEqual(fake.clients[1].clientOptions.documentSelector, fake.clients[0].clientOptions.documentSelector);
  assert.match(fake.channels[0].text, /starting the server \(restart command\)/);
});

// the real client spawns through serverOptions and fails when the stream closes; so does this fake
async function startThroughServerOptions(client: any) {
  const streams = await client.serverOptions();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 10_000);
    const fail = (e: Error) => (clearTimeout(timer), reject(e));
    streams.reader.on("close", () => fail(new Error("Connection to server got closed.")));
    streams.reader.on("error", fail);
  });
}

test("a start error is shown once, with the reason and a Show log button", async () => {
  fake.start = startThroughServerOptions;
  fake.settings["dockwise.interpreter"] = ["/nonexistent/bin/python3"];
  fake.errorAnswer = "Show log";
  const c = await start();
  assert.equal(fake.errors.length, 1);
  assert.match(fake.errors[0].message, /"\/nonexistent\/bin\/python3" was not found/);
  assert.deepEqual(fake.errors[0].items, ["Show log"]);
  await new Promise((r) => setImmediate(r));
  assert.equal(fake.channels[0].shown, 1, "Show log opens the output channel");
  assert.equal(c.client, undefined, "no client is left behind");

  await fake.commands.get("dockwise.restart")!();
  await c.restart("again");
  assert.equal(fake.errors.length, 1, "the same failure is not shown again");
  assert.equal(fake.channels[0].text.match(/was not found/g)?.length, 3, "but it is logged every time");

  // a different failure is news
  fake.settings["dockwise.interpreter"] = [process.execPath, "-e", "process.stderr.write('SyntaxError: invalid syntax\\n'); process.exit(3)", "--"];
  await c.restart("other");
  assert.equal(fake.errors.length, 2);
  assert.match(fake.errors[1].message, /exited with code 3 while starting: SyntaxError: invalid syntax/);
});

test("a start() that resolves without a running client counts as a failure", async () => {
  // vscode-languageclient 9 resolves start() when the connection closed during initialize
  fake.start = async (client: any) => {
    client.clientOptions.initializationFailedHandler(new Error("Pending response rejected since connection got disposed"));
    client.stopped = true;
  };
  fake.settings["dockwise.interpreter"] = ["/venv/bin/python"];
  await start();
  assert.equal(fake.errors.length, 1);
  assert.match(fake.errors[0].message, /did not start: the server closed the connection during initialize/);
  assert.doesNotMatch(fake.channels[0].text, /server started/);
});

test("vscode-languageclient's own pop-ups are silenced while the controller starts the server", async () => {
  fake.start = async (client: any) => {
    client.error("dockwise client: couldn't create connection to server.", undefined, "force");
    throw new Error("boom");
  };
  fake.settings["dockwise.interpreter"] = ["/venv/bin/python"];
  await start();
  assert.deepEqual(fake.clients[0].errorsLogged.map((e) => e.show), [false]);
  assert.equal(fake.errors.length, 1);
});

test("crashes after a good start restart the server, at most 5 times in 3 minutes", async () => {
  fake.settings["dockwise.interpreter"] = ["/venv/bin/python"];
  await start();
  const closed = fake.clients[0].clientOptions.errorHandler.closed;
  const actions = [1, 2, 3, 4, 5].map(() => closed().action);
  assert.deepEqual(actions, [2, 2, 2, 2, 1], "Restart ×4, then DoNotRestart");
  assert.equal(fake.errors.length, 1);
  assert.match(fake.errors[0].message, /stopped 5 times/);
});

test("fix all runs the server's source.fixAll.dockwise action in a Dockerfile", async () => {
  await start();
  await fake.commands.get("dockwise.fixAll")!();
  assert.equal(fake.executed.length, 0);
  assert.equal(fake.infos.length, 1, "no Dockerfile open: says so");
  fake.activeTextEditor = { document: { languageId: "dockerfile" } };
  await fake.commands.get("dockwise.fixAll")!();
  assert.deepEqual(fake.executed, [{ id: "editor.action.codeAction", args: [{ kind: "source.fixAll.dockwise", apply: "first" }] }]);
});

test("rule docs: a quick pick of `dockwise rule --all`, then `dockwise rule CODE` in a Markdown preview", async () => {
  const cli = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dockwise-cli-")), "cli.js");
  fs.writeFileSync(cli, [
    "const a = process.argv.slice(2);",
    "if (a[0] === 'rule' && a[1] === '--all') console.log('DL3002  last-user-root  Last USER should not be root\\nDL3059  consecutive-run  Chain RUNs');",
    "else if (a[0] === 'rule') console.log(a[1] + ' consecutive-run\\nsummary: Chain RUNs\\n\\n## What it does\\nFlags RUNs.');",
    "else setInterval(() => {}, 1000);",
  ].join("\n"));
  fake.settings["dockwise.path"] = [process.execPath, cli];
  fake.quickPickAnswer = (items) => items.find((i: any) => i.label === "DL3059");
  await start();
  await fake.commands.get("dockwise.showRuleDocs")!();
  assert.deepEqual(fake.quickPicks[0].map((i: any) => i.label), ["DL3002", "DL3059"]);
  const preview = fake.executed.at(-1)!;
  assert.equal(preview.id, "markdown.showPreview");
  const uri = preview.args[0] as any;
  assert.equal(uri.scheme, "dockwise-rule");
  const page = fake.contentProviders.get("dockwise-rule").provideTextDocumentContent(uri);
  assert.match(page, /^# DL3059 consecutive-run\n/);
  assert.match(page, /## What it does\nFlags RUNs\./);

  await fake.commands.get("dockwise.showRuleDocs")!("DL3002"); // from a link: no quick pick
  assert.equal(fake.quickPicks.length, 1);
  assert.equal((fake.executed.at(-1)!.args[0] as any).path, "/DL3002.md");
});

test("show logs opens the output channel", async () => {
  await start();
  await fake.commands.get("dockwise.showLogs")!();
  assert.equal(fake.channels[0].shown, 1);
});

test("an untrusted workspace turns live registry lookups off; granting trust turns them back on", async () => {
  fake.trusted = false;
  fake.settings["dockwise.images.online"] = true;
  fake.settings["dockwise.images.registries"] = ["127.0.0.1:5000"];
  await start();
  const init = fake.clients[0].clientOptions.initializationOptions;
  assert.equal(init.images.online, false);
  const mw = fake.clients[0].clientOptions.middleware.workspace.configuration;
  const answer = await mw({ items: [{ section: "dockwise" }] }, undefined, async () => []);
  assert.equal(answer[0].images.online, false);
  changeSettings({ "dockwise.ignore": ["DL3059"] });
  assert.equal(fake.clients[0].notifications.at(-1)!.params.settings.dockwise.images.online, false);

  fake.trusted = true;
  fake.trustGranted.fire();
  const n = fake.clients[0].notifications.at(-1)!;
  assert.equal(n.method, "workspace/didChangeConfiguration");
  assert.equal(n.params.settings.dockwise.images.online, true);
  assert.deepEqual(n.params.settings.dockwise.images.registries, ["127.0.0.1:5000"]);
});
