// The dockwise VS Code extension: starts `dockwise serve` (stdio) for Dockerfiles.
// The decisions live in vscode-free modules (python.ts, settings.ts, process.ts, rules.ts);
// this file wires them to VS Code and vscode-languageclient.
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  StreamInfo,
} from "vscode-languageclient/node";
import { BundleInfo, ServerProcess, bundleMismatch, describeStartFailure } from "./process";
import { ServerCommand, errorText, probeInterpreter, pythonExtensionInterpreter, resolveInterpreter, serverCommand, substitute, withTimeout, PYTHON_EXTENSION_ID } from "./python";
import { parseRuleList, ruleMarkdown, runCli } from "./rules";
import { RESTART_SETTINGS, SECTION, argv, serverSettingNames, serverSettings, withWorkspaceTrust } from "./settings";

export const FIX_ALL_KIND = "source.fixAll.dockwise";
export const RULE_DOCS_SCHEME = "dockwise-rule";
const START_TIMEOUT_MS = 60_000;
const MAX_CRASHES = 5; // restarts within CRASH_WINDOW_MS before giving up
const CRASH_WINDOW_MS = 3 * 60_000;

/**
 * Suppresses vscode-languageclient's own pop-ups while the controller starts or
 * stops the server: the controller shows one message with the reason instead.
 */
class DockwiseClient extends LanguageClient {
  quiet = true;
  override error(message: string, data?: any, showNotification: boolean | "force" = true): void {
    super.error(message, data, this.quiet ? false : showNotification);
  }
}

export class Controller implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  client: DockwiseClient | undefined;
  process: ServerProcess | undefined;
  command: ServerCommand | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly clientDisposables: vscode.Disposable[] = [];
  private readonly shownErrors = new Set<string>();
  private readonly ruleDocs = new Map<string, string>();
  private readonly ruleDocsChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly settingNames: string[];
  private crashes: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private watchingPython = false;
  private disposed = false;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel("dockwise");
    this.settingNames = serverSettingNames(context.extension?.packageJSON ?? readPackageJson(context));
    const docs: vscode.TextDocumentContentProvider = {
      onDidChange: this.ruleDocsChanged.event,
      provideTextDocumentContent: (uri) => this.ruleDocs.get(uri.path.replace(/^\/|\.md$/g, "")) ?? "",
    };
    this.disposables.push(
      this.output,
      this.ruleDocsChanged,
      vscode.commands.registerCommand("dockwise.restart", () => this.restart("restart command")),
      vscode.commands.registerCommand("dockwise.showLogs", () => this.output.show(true)),
      vscode.commands.registerCommand("dockwise.fixAll", () => this.fixAll()),
      vscode.commands.registerCommand("dockwise.showRuleDocs", (code?: unknown) => this.showRuleDocs(typeof code === "string" ? code : undefined)),
      vscode.workspace.registerTextDocumentContentProvider(RULE_DOCS_SCHEME, docs),
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
    );
    // trusting the workspace turns live registry lookups back on (as the settings say)
    const granted = vscode.workspace.onDidGrantWorkspaceTrust?.(() => this.sendSettings());
    if (granted) this.disposables.push(granted);
  }

  log(message: string): void {
    this.output.appendLine(`[dockwise ${new Date().toLocaleTimeString()}] ${message}`);
  }

  /** Stop the running server (if any) and start a new one; calls are serialised. */
  restart(reason: string): Promise<void> {
    this.queue = this.queue.then(() => this.doStart(reason)).catch((err) => this.log(`restart failed: ${errorText(err)}`));
    return this.queue;
  }

  /** Resolves when queued starts and restarts are done. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** The server command from the settings (path → interpreter → Python extension → python3). */
  async resolveCommand(subcommand: string[] = ["serve"]): Promise<ServerCommand> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const folder = vscode.workspace.workspaceFolders?.[0];
    const vars = { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir() };
    const path = substitute(argv(cfg.get("path")), vars);
    const bundledLibs = this.context.asAbsolutePath("bundled/libs");
    if (path.length) return serverCommand({ path, interpreter: [], source: "dockwise.path", bundledLibs }, subcommand);
    const fromPython = pythonExtensionInterpreter((id) => vscode.extensions.getExtension(id), folder?.uri);
    const interp = await resolveInterpreter(substitute(argv(cfg.get("interpreter")), vars), fromPython, (m) => this.log(m));
    if (interp.source === "Python extension") this.watchPythonInterpreter();
    return serverCommand({ path: [], interpreter: interp.argv, source: interp.source, bundledLibs }, subcommand);
  }

  private async doStart(reason: string): Promise<void> {
    await this.stop();
    if (this.disposed) return;
    const cmd = await this.resolveCommand();
    this.command = cmd;
    this.log(`starting the server (${reason}): ${[cmd.command, ...cmd.args].join(" ")} [${cmd.source}]`);
    const mismatch = await this.checkInterpreter(cmd);
    if (mismatch) return this.showStartError(mismatch);
    const cwd = this.context.extensionPath;
    const serverOptions = async (): Promise<StreamInfo> => {
      const proc = new ServerProcess(cmd, cwd, this.output);
      this.process = proc;
      await proc.spawned(); // a missing program fails here, before anything is written to it
      return { reader: proc.child.stdout!, writer: proc.child.stdin!, detached: false };
    };
    const client = new DockwiseClient("dockwise", "dockwise", serverOptions, this.clientOptions());
    this.client = client;
    try {
      await withTimeout(client.start(), START_TIMEOUT_MS, `no answer to initialize within ${START_TIMEOUT_MS / 1000} s`);
      // start() also resolves when the connection closed during initialize
      if (!client.isRunning()) throw new Error("the server closed the connection during initialize");
      client.quiet = false;
      this.crashes = [];
      this.shownErrors.clear();
      this.log("server started");
    } catch (err) {
      const proc = this.process;
      const exit = proc ? await proc.exitWithin(2000) : undefined;
      this.showStartError(describeStartFailure(cmd, exit, proc?.stderr.lines() ?? [], err, this.bundleInfo()));
      await this.stop();
    }
  }

  clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [
        { scheme: "file", language: "dockerfile" },
        { scheme: "untitled", language: "dockerfile" },
      ],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: this.serverSettings(),
      // no pop-up of its own: doStart reports the failure once, with the reason
      initializationFailedHandler: (error) => (this.log(`initialize failed: ${errorText(error)}`), false),
      errorHandler: {
        error: (_error, _message, count): ErrorHandlerResult => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
        closed: (): CloseHandlerResult => this.onClosed(),
      },
      middleware: {
        workspace: {
          // answer section "dockwise" with the server's settings only (not interpreter/path/trace)
          configuration: async (params, token, next) => {
            const theirs = params.items.some((i) => i.section !== SECTION) ? await next(params, token) : [];
            return params.items.map((item, i) =>
              item.section === SECTION ? this.serverSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : Array.isArray(theirs) ? theirs[i] : null,
            );
          },
        },
      },
    };
  }

  /** The server's settings; in an untrusted workspace live registry lookups are off (see withWorkspaceTrust). */
  serverSettings(scope?: vscode.Uri): Record<string, unknown> {
    return withWorkspaceTrust(serverSettings(vscode.workspace.getConfiguration(SECTION, scope), this.settingNames), vscode.workspace.isTrusted !== false);
  }

  private sendSettings(): void {
    if (!this.client || this.client.quiet !== false) return;
    // the server takes a bare or wrapped payload; client-only settings are not sent
    this.client.sendNotification("workspace/didChangeConfiguration", { settings: { [SECTION]: this.serverSettings() } }).catch((err: unknown) => this.log(`didChangeConfiguration failed: ${errorText(err)}`));
  }

  private onClosed(): CloseHandlerResult {
    if (this.client?.quiet !== false) return { action: CloseAction.DoNotRestart, handled: true }; // during start: doStart reports
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const tail = this.process?.stderr.lines() ?? [];
    if (this.crashes.length >= MAX_CRASHES) {
      this.showStartError(`The dockwise server stopped ${MAX_CRASHES} times in 3 minutes and will not be restarted (use "dockwise: Restart Server"). ${tail.filter(Boolean).slice(-1)[0] ?? ""}`.trim());
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.log("the server stopped unexpectedly; restarting it");
    return { action: CloseAction.Restart, handled: true };
  }

  /** An error about starting the server: in the log always, as a notification once per distinct message. */
  showStartError(message: string): void {
    this.log(message);
    if (this.shownErrors.has(message)) return;
    this.shownErrors.add(message);
    void vscode.window.showErrorMessage(message, "Show log").then((choice) => {
      if (choice === "Show log") this.output.show(true);
    });
  }

  private onConfigurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration(SECTION)) return;
    if (RESTART_SETTINGS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) {
      void this.restart("settings changed");
    } else {
      this.sendSettings();
    }
  }

  private watchPythonInterpreter(): void {
    if (this.watchingPython) return;
    try {
      const event = vscode.extensions.getExtension(PYTHON_EXTENSION_ID)?.exports?.environments?.onDidChangeActiveEnvironmentPath;
      if (typeof event !== "function") return;
      this.disposables.push(event(() => {
        if (!argv(vscode.workspace.getConfiguration(SECTION).get("interpreter")).length && !argv(vscode.workspace.getConfiguration(SECTION).get("path")).length) void this.restart("the Python interpreter changed");
      }));
      this.watchingPython = true;
    } catch (err) {
      this.log(`cannot follow the Python extension's interpreter: ${errorText(err)}`);
    }
  }

  async fixAll(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== "dockerfile") {
      void vscode.window.showInformationMessage("dockwise: open a Dockerfile to fix its problems.");
      return;
    }
    await vscode.commands.executeCommand("editor.action.codeAction", { kind: FIX_ALL_KIND, apply: "first" });
  }

  async showRuleDocs(code?: string): Promise<void> {
    const cwd = this.context.extensionPath;
    try {
      if (!code) {
        const rules = parseRuleList(await runCli(await this.resolveCommand(["rule", "--all"]), cwd));
        const pick = await vscode.window.showQuickPick(
          rules.map((r) => ({ label: r.code, description: r.name, detail: r.summary })),
          { placeHolder: "dockwise rule", matchOnDescription: true, matchOnDetail: true },
        );
        if (!pick) return;
        code = pick.label;
      }
      const text = await runCli(await this.resolveCommand(["rule", code]), cwd);
      this.ruleDocs.set(code, ruleMarkdown(text));
      const uri = vscode.Uri.parse(`${RULE_DOCS_SCHEME}:/${code}.md`);
      this.ruleDocsChanged.fire(uri);
      await vscode.commands.executeCommand("markdown.showPreview", uri);
    } catch (err) {
      this.log(errorText(err));
      void vscode.window.showErrorMessage(`dockwise: cannot show the rule documentation: ${errorText(err)}`, "Show log").then((c) => {
        if (c === "Show log") this.output.show(true);
      });
    }
  }

  /**
   * Why the bundled server cannot run on the command's interpreter, if it cannot
   * (see bundle.json). An interpreter that cannot be asked is not refused here:
   * starting it tells why it fails.
   */
  private async checkInterpreter(cmd: ServerCommand): Promise<string | undefined> {
    if (!cmd.bundled || !cmd.interpreter?.length) return undefined;
    const bundle = this.bundleInfo();
    if (!bundle.pythons?.length) return undefined;
    try {
      const info = await probeInterpreter(cmd.interpreter);
      this.log(`interpreter: ${info.implementation} ${info.version} on ${info.platform}${info.freeThreaded ? " (free-threaded)" : ""}`);
      return bundleMismatch(bundle, info, cmd.interpreter);
    } catch (err) {
      this.log(`could not ask ${cmd.interpreter.join(" ")} for its version: ${errorText(err)}`);
      return undefined;
    }
  }

  private bundleInfo(): BundleInfo {
    try {
      return JSON.parse(fs.readFileSync(this.context.asAbsolutePath("bundled/bundle.json"), "utf8"));
    } catch {
      return {};
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    const proc = this.process;
    this.client = undefined;
    this.process = undefined;
    for (const d of this.clientDisposables.splice(0)) d.dispose();
    if (client) {
      client.quiet = true;
      try {
        if (client.isRunning()) await client.stop(2000); // a failed client has stopped itself
      } catch (err) {
        this.log(`stopping the server: ${errorText(err)}`);
      }
    }
    await proc?.ensureStopped();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue;
    await this.stop();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function readPackageJson(context: vscode.ExtensionContext): unknown {
  try {
    return JSON.parse(fs.readFileSync(context.asAbsolutePath("package.json"), "utf8"));
  } catch {
    return {};
  }
}

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Controller> {
  controller = new Controller(context);
  context.subscriptions.push({ dispose: () => void controller?.dispose() });
  await controller.restart("activation");
  return controller;
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
