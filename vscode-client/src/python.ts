// Which command starts the server. No `vscode` import: unit-testable in plain Node.
import { execFile } from "node:child_process";
import * as path from "node:path";

export type Source = "dockwise.path" | "dockwise.interpreter" | "Python extension" | "default";

export interface ServerCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where the command came from (shown in the log and in error messages). */
  source: Source;
  /** True when the bundled libraries are on PYTHONPATH. */
  bundled: boolean;
  /** The interpreter (and its arguments) that runs the bundled server. */
  interpreter?: string[];
}

/** What we need from the Python extension (ms-python.python), behind a function so tests can fake it. */
export type ActiveInterpreter = () => Promise<string | undefined>;

export const PYTHON_EXTENSION_ID = "ms-python.python";
export const PYTHON_API_TIMEOUT_MS = 10_000;

export function defaultPython(platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? "python" : "python3";
}

/** `${workspaceFolder}`, `${userHome}` and a leading `~` in a setting's arguments. */
export function substitute(args: string[], vars: { workspaceFolder?: string; userHome?: string }): string[] {
  return args.map((a) => {
    let s = a;
    if (vars.userHome && (s === "~" || s.startsWith("~/"))) s = vars.userHome + s.slice(1);
    s = s.replace(/\$\{(workspaceFolder|userHome)\}/g, (m, k: "workspaceFolder" | "userHome") => vars[k] ?? m);
    return s;
  });
}

/**
 * The Python interpreter: the `dockwise.interpreter` setting, else the Python
 * extension's active interpreter (when installed and answering), else python3.
 */
export async function resolveInterpreter(
  setting: string[],
  activeInterpreter: ActiveInterpreter | undefined,
  log: (msg: string) => void = () => {},
  platform: NodeJS.Platform = process.platform,
): Promise<{ argv: string[]; source: Source }> {
  if (setting.length > 0) return { argv: setting, source: "dockwise.interpreter" };
  if (activeInterpreter) {
    try {
      const exe = await activeInterpreter();
      if (exe) return { argv: [exe], source: "Python extension" };
      log("the Python extension has no active interpreter");
    } catch (err) {
      log(`asking the Python extension for its interpreter failed: ${errorText(err)}`);
    }
  }
  return { argv: [defaultPython(platform)], source: "default" };
}

/** The server command: `dockwise.path` + `serve`, else `<python> -m dockwise serve` with the bundled libs first on PYTHONPATH. */
export function serverCommand(
  opts: { path: string[]; interpreter: string[]; source: Source; bundledLibs: string; env?: NodeJS.ProcessEnv },
  subcommand: string[] = ["serve"],
): ServerCommand {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
  if (opts.path.length > 0) {
    const [command, ...rest] = opts.path;
    return { command, args: [...rest, ...subcommand], env, source: "dockwise.path", bundled: false };
  }
  const [command, ...rest] = opts.interpreter;
  env.PYTHONPATH = [opts.bundledLibs, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  // sys.path[0] is never the current directory (Python ≥ 3.11): nothing from the cwd is imported
  env.PYTHONSAFEPATH = "1";
  return { command, args: [...rest, "-m", "dockwise", ...subcommand], env, source: opts.source, bundled: true, interpreter: opts.interpreter };
}

/** What the bundled libraries must fit: implementation, version, VS Code platform, free-threaded build. */
export interface InterpreterInfo {
  implementation: string;
  version: string;
  /** VS Code's platform name: linux-x64, darwin-arm64, win32-x64, ... */
  platform: string;
  freeThreaded: boolean;
}

/** Prints what InterpreterInfo needs; runs on any Python 3 (isolated, no site). */
export const INTERPRETER_PROBE =
  "import json, platform, sys, sysconfig; print(json.dumps([sys.implementation.name, '%d.%d' % sys.version_info[:2], sys.platform, platform.machine(), bool(sysconfig.get_config_var('Py_GIL_DISABLED'))]))";
export const PROBE_TIMEOUT_MS = 10_000;

/** The probe's output line as InterpreterInfo; undefined when it is not the probe's output. */
export function parseProbe(stdout: string): InterpreterInfo | undefined {
  try {
    const line = stdout.trim().split(/\r?\n/).pop() ?? "";
    const [impl, version, sysPlatform, machine, freeThreaded] = JSON.parse(line);
    if (typeof impl !== "string" || typeof version !== "string" || typeof sysPlatform !== "string" || typeof machine !== "string") return undefined;
    const arch = ({ x86_64: "x64", amd64: "x64", aarch64: "arm64", arm64: "arm64", armv7l: "armhf" } as Record<string, string>)[machine.toLowerCase()] ?? machine;
    const platform = sysPlatform.startsWith("linux") ? "linux" : sysPlatform;
    return { implementation: impl, version, platform: `${platform}-${arch}`, freeThreaded: freeThreaded === true };
  } catch {
    return undefined;
  }
}

/** Runs the probe with the interpreter; rejects when it cannot run or answers something else. */
export function probeInterpreter(interpreter: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<InterpreterInfo> {
  const [command, ...rest] = interpreter;
  return new Promise((resolve, reject) => {
    execFile(command, [...rest, "-I", "-S", "-c", INTERPRETER_PROBE], { timeout: timeoutMs, windowsHide: true, encoding: "utf8" }, (err, stdout, stderr) => {
      const info = parseProbe(stdout ?? "");
      if (info) return resolve(info);
      reject(err ?? new Error(`unexpected answer: ${(stdout + stderr).trim().slice(0, 200)}`));
    });
  });
}

/**
 * The Python extension's active interpreter, through its public API
 * (`exports.environments.getActiveEnvironmentPath` + `resolveEnvironment`).
 * Undefined when the extension is absent; throws when it fails; bounded by a timeout.
 */
export function pythonExtensionInterpreter(
  getExtension: (id: string) => { isActive: boolean; exports: any; activate(): Thenable<any> } | undefined,
  resource: unknown,
  timeoutMs = PYTHON_API_TIMEOUT_MS,
): ActiveInterpreter | undefined {
  const ext = getExtension(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  return () =>
    withTimeout(
      (async () => {
        const api = ext.isActive ? ext.exports : await ext.activate();
        const envs = api?.environments;
        if (!envs || typeof envs.getActiveEnvironmentPath !== "function") throw new Error("its API has no environments.getActiveEnvironmentPath");
        const envPath = envs.getActiveEnvironmentPath(resource);
        const env = envPath ? await envs.resolveEnvironment(envPath) : undefined;
        const exe: unknown = env?.executable?.uri?.fsPath;
        return typeof exe === "string" && exe ? exe : undefined;
      })(),
      timeoutMs,
      `the Python extension did not answer within ${timeoutMs / 1000} s`,
    );
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
