// Rule documentation from the server's CLI (`dockwise rule --all`, `dockwise rule CODE`).
// No `vscode` import: unit-testable in plain Node.
import { execFile } from "node:child_process";
import type { ServerCommand } from "./python";

export interface RuleInfo {
  code: string;
  name: string;
  summary: string;
}

/** Lines of `dockwise rule --all`: `CODE  name  summary`. */
export function parseRuleList(text: string): RuleInfo[] {
  const out: RuleInfo[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z]+\d+)\s+(\S+)\s*(.*)$/.exec(line.trim());
    if (m) out.push({ code: m[1], name: m[2], summary: m[3] });
  }
  return out;
}

/** `dockwise rule CODE` output (a `key: value` header, a blank line, Markdown) as one Markdown page. */
export function ruleMarkdown(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const blank = lines.indexOf("");
  const head = blank < 0 ? lines : lines.slice(0, blank);
  const body = blank < 0 ? "" : lines.slice(blank + 1).join("\n").trim();
  const [title, ...fields] = head;
  const rows = fields
    .filter((f) => f.includes(": "))
    .map((f) => {
      const i = f.indexOf(": ");
      const key = f.slice(0, i);
      const value = f.slice(i + 2);
      return `- **${key}**: ${key === "url" ? `<${value}>` : value}`;
    });
  return [`# ${title ?? ""}`.trim(), "", ...rows, "", body].join("\n").trimEnd() + "\n";
}

export function runCli(cmd: ServerCommand, cwd: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd.command, cmd.args, { cwd, env: cmd.env, timeout: timeoutMs, windowsHide: true, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${[cmd.command, ...cmd.args].join(" ")} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}
