// A stubbed `vscode` module and `vscode-languageclient/node`, injected through a
// require hook (VS Code itself cannot run here). Import this before ../extension.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Module = require("node:module");

export const EXTENSION_DIR = path.resolve(__dirname, "..", "..");
export const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, "package.json"), "utf8"));
const DEFAULTS: Record<string, unknown> = Object.fromEntries(
  Object.entries(PACKAGE_JSON.contributes.configuration.properties).map(([k, v]: [string, any]) => [k, v.default]),
);

type Listener<T> = (e: T) => unknown;
class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T) {
    for (const l of [...this.listeners]) l(e);
  }
  dispose() {
    this.listeners = [];
  }
}

export class FakeChannel {
  text = "";
  shown = 0;
  append(s: string) {
    this.text += s;
  }
  appendLine(s: string) {
    this.text += s + "\n";
  }
  show() {
    this.shown++;
  }
  dispose() {}
}

class Uri {
  constructor(readonly scheme: string, readonly path: string) {}
  get fsPath() {
    return this.path;
  }
  static parse(s: string) {
    const i = s.indexOf(":");
    return new Uri(s.slice(0, i), s.slice(i + 1).replace(/^\/\//, ""));
  }
  static file(p: string) {
    return new Uri("file", p);
  }
  toString() {
    return `${this.scheme}:${this.path}`;
  }
}

/** Everything a test can set up or look at. Reset with `reset()`. */
export const fake = {
  settings: {} as Record<string, unknown>, // "dockwise.interpreter" → value (user values)
  extensions: {} as Record<string, any>,
  workspaceFolders: undefined as { uri: Uri; name: string }[] | undefined,
  errors: [] as { message: string; items: string[] }[],
  infos: [] as string[],
  errorAnswer: undefined as string | undefined,
  quickPickAnswer: undefined as ((items: any[]) => any) | undefined,
  quickPicks: [] as any[][],
  executed: [] as { id: string; args: unknown[] }[],
  commands: new Map<string, (...a: any[]) => unknown>(),
  channels: [] as FakeChannel[],
  contentProviders: new Map<string, any>(),
  activeTextEditor: undefined as any,
  configChanged: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
  trusted: true, // vscode.workspace.isTrusted
  trustGranted: new EventEmitter<void>(),
  clients: [] as FakeLanguageClient[],
  /** How FakeLanguageClient.start behaves (default: starts). */
  start: async (_c: FakeLanguageClient): Promise<void> => {},
};

export function reset() {
  Object.assign(fake, {
    settings: {},
    extensions: {},
    workspaceFolders: undefined,
    errors: [],
    infos: [],
    errorAnswer: undefined,
    quickPickAnswer: undefined,
    quickPicks: [],
    executed: [],
    channels: [],
    activeTextEditor: undefined,
    clients: [],
    trusted: true,
    start: async () => {},
  });
  fake.commands.clear();
  fake.contentProviders.clear();
}

/** Fire onDidChangeConfiguration for the given changed keys (e.g. "dockwise.interpreter"). */
export function changeSettings(values: Record<string, unknown>) {
  Object.assign(fake.settings, values);
  const keys = Object.keys(values);
  fake.configChanged.fire({ affectsConfiguration: (s: string) => keys.some((k) => k === s || k.startsWith(s + ".")) });
}

const vscodeStub = {
  Uri,
  EventEmitter,
  window: {
    createOutputChannel: () => {
      const c = new FakeChannel();
      fake.channels.push(c);
      return c;
    },
    showErrorMessage: (message: string, ...items: string[]) => {
      fake.errors.push({ message, items });
      return Promise.resolve(fake.errorAnswer);
    },
    showInformationMessage: (message: string) => {
      fake.infos.push(message);
      return Promise.resolve(undefined);
    },
    showQuickPick: (items: any[]) => {
      fake.quickPicks.push(items);
      return Promise.resolve(fake.quickPickAnswer?.(items));
    },
    get activeTextEditor() {
      return fake.activeTextEditor;
    },
  },
  workspace: {
    getConfiguration: (section?: string) => ({
      get: (key: string, dflt?: unknown) => {
        const full = section ? `${section}.${key}` : key;
        if (full in fake.settings) return fake.settings[full];
        return full in DEFAULTS ? DEFAULTS[full] : dflt;
      },
    }),
    get workspaceFolders() {
      return fake.workspaceFolders;
    },
    onDidChangeConfiguration: fake.configChanged.event,
    get isTrusted() {
      return fake.trusted;
    },
    onDidGrantWorkspaceTrust: fake.trustGranted.event,
    registerTextDocumentContentProvider: (scheme: string, p: any) => {
      fake.contentProviders.set(scheme, p);
      return { dispose() {} };
    },
  },
  commands: {
    registerCommand: (id: string, f: (...a: any[]) => unknown) => {
      fake.commands.set(id, f);
      return { dispose: () => fake.commands.delete(id) };
    },
    executeCommand: async (id: string, ...args: unknown[]) => {
      fake.executed.push({ id, args });
    },
  },
  extensions: {
    getExtension: (id: string) => fake.extensions[id],
  },
};

export class FakeLanguageClient {
  stopped = false;
  started = false;
  notifications: { method: string; params: any }[] = [];
  errorsLogged: { message: string; show: unknown }[] = [];
  private stateChanged = new EventEmitter<{ oldState: number; newState: number }>();
  onDidChangeState = this.stateChanged.event;
  constructor(readonly id: string, readonly name: string, readonly serverOptions: any, readonly clientOptions: any) {
    fake.clients.push(this);
  }
  async start() {
    await fake.start(this);
    this.started = true;
    this.stateChanged.fire({ oldState: 3, newState: 2 });
  }
  async stop() {
    if (!this.started) throw new Error("Client is not running and can't be stopped.");
    this.stopped = true;
    this.started = false;
  }
  isRunning() {
    return this.started && !this.stopped;
  }
  dispose() {}
  error(message: string, _data?: unknown, show?: unknown) {
    this.errorsLogged.push({ message, show });
  }
  sendNotification(method: string, params: unknown) {
    this.notifications.push({ method, params });
    return Promise.resolve();
  }
}

const languageClientStub = {
  LanguageClient: FakeLanguageClient,
  CloseAction: { DoNotRestart: 1, Restart: 2 },
  ErrorAction: { Continue: 1, Shutdown: 2 },
  State: { Stopped: 1, Running: 2, Starting: 3 },
};

const origLoad = (Module as any)._load;
(Module as any)._load = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") return vscodeStub;
  if (request === "vscode-languageclient/node") return languageClientStub;
  return origLoad.call(this, request, ...rest);
};

/**
 * An ExtensionContext for the extension directory. Its bundled/bundle.json is
 * `bundle` when given, else missing (whatever a local `npm run package` left).
 */
export function context(bundle?: object) {
  const bundleJson = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dockwise-test-")), "bundle.json");
  if (bundle) fs.writeFileSync(bundleJson, JSON.stringify(bundle));
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath: EXTENSION_DIR,
    asAbsolutePath: (p: string) => (p === "bundled/bundle.json" ? bundleJson : path.join(EXTENSION_DIR, p)),
    extension: { packageJSON: PACKAGE_JSON },
  };
}

/** A fake ms-python.python extension whose active interpreter is `exe` (or whose API throws). */
export function pythonExtension(exe: string | Error, opts: { isActive?: boolean } = {}) {
  const changed = new EventEmitter<unknown>();
  const api = {
    environments: {
      getActiveEnvironmentPath: () => {
        if (exe instanceof Error) throw exe;
        return { id: "env", path: exe };
      },
      resolveEnvironment: async (p: { path: string }) => ({ executable: { uri: Uri.file(p.path) } }),
      onDidChangeActiveEnvironmentPath: changed.event,
    },
  };
  const ext = {
    isActive: opts.isActive ?? false,
    exports: opts.isActive ? api : undefined,
    activations: 0,
    activate: async () => {
      ext.activations++;
      ext.isActive = true;
      ext.exports = api;
      return api;
    },
    changed,
  };
  return ext;
}
