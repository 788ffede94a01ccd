// The server process and why it failed. No `vscode` import: unit-testable in plain Node.
import { ChildProcess, spawn } from "node:child_process";
import type { InterpreterInfo, ServerCommand } from "./python";

export interface Channel {
  append(text: string): void;
}

/**
 * Copies the server's stderr to the output channel and keeps its last lines for
 * error messages. The `dockwise` logger's records (with their tracebacks) are
 * not copied while `mirrored` is set: the server sends them through
 * window/logMessage too (from `initialize` on; it logs nothing before), and
 * they would appear twice. Other output (pygls warnings, a crash's traceback)
 * always goes through; after an abnormal exit ServerProcess writes the recent
 * hidden lines, so nothing is lost when the server dies.
 */
export class StderrRelay {
  private partial = "";
  private readonly tail: { line: string; hidden: boolean }[] = [];
  private dropping = false;
  mirrored = true;

  constructor(private readonly channel: Channel, private readonly keep = 40) {}

  write(chunk: string): void {
    const lines = (this.partial + chunk).split(/\r?\n/);
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = "";
  }

  lines(): string[] {
    return this.tail.map((t) => t.line);
  }

  /** The hidden lines among the last `n`. */
  hiddenRecent(n = 20): string[] {
    return this.tail.slice(-n).filter((t) => t.hidden).map((t) => t.line);
  }

  private line(line: string): void {
    const record = /^\d{4}-\d\d-\d\d [\d:,.]+ [A-Z]+ (\S+): /.exec(line);
    if (record) this.dropping = this.mirrored && /^dockwise(\.|$)/.test(record[1]);
    this.tail.push({ line, hidden: this.dropping });
    if (this.tail.length > this.keep) this.tail.shift();
    if (!this.dropping) this.channel.append(line + "\n");
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly stderr: StderrRelay;
  private exit: Exit | undefined;
  private stopping = false;
  private readonly exited: Promise<Exit>;

  constructor(cmd: ServerCommand, cwd: string, channel: Channel) {
    this.stderr = new StderrRelay(channel);
    this.child = spawn(cmd.command, cmd.args, { cwd, env: cmd.env, stdio: "pipe", windowsHide: true });
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on("error", (error: NodeJS.ErrnoException) => {
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
      this.child.on("exit", (code, signal) => {
        this.exit = this.exit ?? { code, signal };
        resolve(this.exit);
      });
      this.child.on("close", () => {
        const hidden = this.stderr.hiddenRecent();
        if (!this.stopping && this.exit?.code !== 0 && hidden.length) {
          channel.append(`[dockwise] the server exited (${this.exit?.signal ?? `code ${this.exit?.code}`}); its last log lines:\n${hidden.join("\n")}\n`);
        }
      });
    });
    this.child.stdin?.on("error", () => {}); // EPIPE when it died: reported through `exit`
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (d: string) => this.stderr.write(d));
    this.child.stderr?.on("end", () => this.stderr.flush());
  }

  /** Resolves once the program runs; rejects with the reason when it cannot be started. */
  spawned(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.exit?.error) return reject(this.exit.error);
      if (this.child.pid !== undefined) return resolve();
      this.child.once("spawn", () => resolve());
      this.child.once("error", (err) => reject(err));
    });
  }

  get running(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit, if it happens within `ms`. */
  async exitWithin(ms: number): Promise<Exit | undefined> {
    if (this.exit) return this.exit;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
    const result = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    return result;
  }

  /** Kill it unless it exits by itself within `graceMs` (after shutdown/exit). */
  async ensureStopped(graceMs = 2000): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    if (await this.exitWithin(graceMs)) return;
    this.child.kill();
    await this.exitWithin(1000);
  }
}

/** What the bundled libraries were built for (bundled/bundle.json, written by scripts/package.js). */
export interface BundleInfo {
  implementation?: string;
  /** CPython versions with compiled modules in the bundle, e.g. ["3.11", "3.12"]. */
  pythons?: string[];
  platform?: string;
}

/** "CPython 3.11, 3.12 or 3.13 on linux-x64" */
export function bundleDescription(bundle: BundleInfo): string {
  const v = bundle.pythons ?? [];
  const versions = v.length > 1 ? `${v.slice(0, -1).join(", ")} or ${v[v.length - 1]}` : v.join("");
  return `${bundle.implementation ?? "CPython"} ${versions || "3.11+"}${bundle.platform ? ` on ${bundle.platform}` : ""}`.replace(/ +/g, " ");
}

const SETTING_HINT = "Choose another interpreter (setting dockwise.interpreter or the Python extension), or point dockwise.path at an installed dockwise.";

/**
 * Why the bundled server cannot run on this interpreter (undefined: it can):
 * its compiled modules (tree-sitter) exist only for the bundle's CPython
 * versions and platform. A bundle that declares nothing is not checked.
 */
export function bundleMismatch(bundle: BundleInfo, info: InterpreterInfo, interpreter: string[]): string | undefined {
  if (!bundle.pythons?.length) return undefined;
  const impl = (bundle.implementation ?? "CPython").toLowerCase();
  const problems: string[] = [];
  if (info.implementation.toLowerCase() !== impl) problems.push(info.implementation);
  else if (!bundle.pythons.includes(info.version)) problems.push(`${bundle.implementation ?? "CPython"} ${info.version}`);
  else if (info.freeThreaded) problems.push(`a free-threaded build of ${info.version}`);
  if (bundle.platform && info.platform !== bundle.platform) problems.push(`on ${info.platform}`);
  if (!problems.length) return undefined;
  return `The bundled dockwise server runs on ${bundleDescription(bundle)}, but "${interpreter.join(" ")}" is ${problems.join(" ")}. ${SETTING_HINT}`;
}

/** A one-paragraph reason for a failed start, with the next step for the user. */
export function describeStartFailure(
  cmd: ServerCommand,
  exit: Exit | undefined,
  stderr: string[],
  clientError: unknown,
  bundle: BundleInfo = {},
): string {
  const program = `"${[cmd.command, ...cmd.args].join(" ")}"`;
  const from = cmd.source === "default" ? "" : ` (from ${cmd.source})`;
  const fix = cmd.bundled
    ? SETTING_HINT
    : "Check the setting dockwise.path (it should run an installed dockwise, e.g. [\"/usr/local/bin/dockwise\"]).";
  if (exit?.error) {
    const e = exit.error;
    const why = e.code === "ENOENT" ? `"${cmd.command}" was not found` : e.code === "EACCES" ? `"${cmd.command}" is not executable` : e.message;
    return `Could not start the dockwise server${from}: ${why}. ${fix}`;
  }
  const last = lastError(stderr);
  let hint = "";
  if (cmd.bundled && /ModuleNotFoundError|ImportError|SyntaxError|Unknown option|requires Python/.test(stderr.join("\n"))) {
    hint = ` The bundled server runs on ${bundleDescription(bundle)}.`;
  }
  if (exit) {
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    return `The dockwise server ${program}${from} ${how} while starting${last ? `: ${last}` : ""}.${hint} ${fix}`;
  }
  const why = clientError instanceof Error ? clientError.message : String(clientError ?? "unknown error");
  return `The dockwise server ${program}${from} did not start: ${last || why}.${hint} ${fix}`;
}

/** The most telling stderr line: the last exception line, else the last non-empty one. */
export function lastError(lines: string[]): string {
  const text = lines.map((l) => l.trim()).filter(Boolean);
  for (let i = text.length - 1; i >= 0; i--) if (/^[\w.]*(Error|Exception)\b/.test(text[i]) || /^usage:|error:/.test(text[i])) return text[i];
  return text[text.length - 1] ?? "";
}
