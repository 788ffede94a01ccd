#!/usr/bin/env node
// Smoke test of the built extension (dist/extension.js, with the real
// vscode-languageclient inside) against a minimal fake `vscode` API, since VS Code
// itself cannot run here. Activates with the settings given as JSON, lets the
// server run for a moment, deactivates, and prints one JSON line:
//   {running, popups, log, serverExited}
//
//   node scripts/smoke.js '{"dockwise.interpreter": ["/usr/bin/python3"]}'
//
// Run by tests/test_vscode_extension.py after `npm run package`.
"use strict";
const Module = require("node:module");
const path = require("node:path");

const ext = path.resolve(__dirname, "..");
const settings = JSON.parse(process.argv[2] || "{}");
const waitMs = Number(process.argv[3] || 1500);
const pkg = require(path.join(ext, "package.json"));
const defaults = Object.fromEntries(Object.entries(pkg.contributes.configuration.properties).map(([k, v]) => [k, v.default]));

const log = [];
const popups = [];
const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(String(e && e.message)));
const none = () => ({ dispose() {} });
const channel = { name: "dockwise", append: (s) => log.push(s), appendLine: (s) => log.push(s + "\n"), show() {}, hide() {}, clear() {}, replace() {}, dispose() {} };

// anything not modelled below: a callable that returns another such object (registrations become no-ops)
function anything(name) {
  const f = function () {};
  return new Proxy(f, {
    get: (_t, p) => (p === "then" ? undefined : p === "dispose" ? () => {} : anything(`${name}.${String(p)}`)),
    apply: () => anything(`${name}()`),
    construct: () => anything(`new ${name}`),
  });
}
function partial(name, obj) {
  return new Proxy(obj, { get: (t, p) => (p in t ? t[p] : typeof p === "string" && p.startsWith("onDid") ? none : anything(`${name}.${String(p)}`)) });
}
class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (f) => (this.listeners.push(f), { dispose() {} });
  }
  fire(e) {
    this.listeners.forEach((f) => f(e));
  }
  dispose() {}
}
const vscode = partial("vscode", {
  version: "1.82.0",
  EventEmitter,
  Disposable: class {
    constructor(f) { this.f = f; }
    dispose() { if (this.f) this.f(); }
    static from(...d) { return { dispose: () => d.forEach((x) => x.dispose()) }; }
  },
  Uri: { parse: (s) => ({ toString: () => s, fsPath: s, path: s }), file: (p) => ({ toString: () => `file://${p}`, fsPath: p, path: p, scheme: "file" }) },
  env: { appName: "dockwise smoke test", language: "en", machineId: "smoke" },
  window: partial("window", {
    createOutputChannel: () => channel,
    showErrorMessage: (m, ...items) => (popups.push({ level: "error", message: m, items }), Promise.resolve(undefined)),
    showWarningMessage: (m, ...items) => (popups.push({ level: "warning", message: m, items }), Promise.resolve(undefined)),
    showInformationMessage: () => Promise.resolve(undefined),
    activeTextEditor: undefined,
    visibleTextEditors: [],
    tabGroups: { all: [], onDidChangeTabs: none },
  }),
  workspace: partial("workspace", {
    getConfiguration: (section) => ({
      get: (k, d) => {
        const full = section ? `${section}.${k}` : k;
        return full in settings ? settings[full] : full in defaults ? defaults[full] : d;
      },
      has: () => false,
    }),
    workspaceFolders: undefined,
    textDocuments: [],
    notebookDocuments: [],
    registerTextDocumentContentProvider: none,
  }),
  commands: partial("commands", { registerCommand: none, executeCommand: async () => undefined }),
  extensions: partial("extensions", { getExtension: () => undefined, all: [] }),
});

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === "vscode" ? vscode : load.call(this, request, ...rest);
};

(async () => {
  const main = require(path.join(ext, pkg.main));
  const context = { subscriptions: [], extensionPath: ext, asAbsolutePath: (p) => path.join(ext, p), extension: { packageJSON: pkg } };
  const controller = await main.activate(context);
  const running = !!(controller.client && controller.client.isRunning());
  const proc = controller.process;
  await new Promise((r) => setTimeout(r, running ? waitMs : 0));
  await main.deactivate();
  const serverExited = proc ? !proc.running : null;
  process.stdout.write(JSON.stringify({ running, popups, log: log.join(""), serverExited, unhandled }) + "\n");
  process.exit(0);
})().catch((err) => {
  process.stdout.write(JSON.stringify({ crashed: String(err && err.stack) }) + "\n");
  process.exit(1);
});
