#!/usr/bin/env node
// npm run package: bundle the server's Python code and dependencies into
// bundled/libs, bundle the client with esbuild, build the .vsix with vsce.
//
//   DOCKWISE_PYTHON  Python (3.11+) that runs pip; default: the repository's .venv, else python3
//   DOCKWISE_ROOT    the dockwise repository (pyproject.toml); default: this directory's parent
//
// tree-sitter ships compiled modules, so the bundle is for one platform and
// CPython version (the packaging Python's); the .vsix is marked with that
// platform (vsce --target) and bundled/bundle.json records both.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const here = path.resolve(__dirname, "..");
const root = path.resolve(process.env.DOCKWISE_ROOT || path.join(here, ".."));
const libs = path.join(here, "bundled", "libs");

function run(cmd, args, opts = {}) {
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}`);
  return r;
}

function python() {
  if (process.env.DOCKWISE_PYTHON) return process.env.DOCKWISE_PYTHON;
  const venv = process.platform === "win32" ? path.join(root, ".venv", "Scripts", "python.exe") : path.join(root, ".venv", "bin", "python");
  if (fs.existsSync(venv)) return venv;
  return process.platform === "win32" ? "python" : "python3";
}

function vsceTarget() {
  const arch = { x64: "x64", arm64: "arm64", arm: "armhf" }[process.arch] || process.arch;
  let platform = process.platform;
  if (platform === "linux" && fs.existsSync("/etc/alpine-release")) platform = "alpine";
  return `${platform}-${arch}`;
}

function main() {
  if (!fs.existsSync(path.join(root, "pyproject.toml"))) throw new Error(`${root} has no pyproject.toml (set DOCKWISE_ROOT)`);
  const py = python();
  fs.rmSync(path.join(here, "bundled"), { recursive: true, force: true });
  run(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--no-warn-script-location", "--target", libs, root]);
  fs.rmSync(path.join(libs, "bin"), { recursive: true, force: true }); // console scripts with this machine's shebang
  const target = vsceTarget();
  const info = spawnSync(py, ["-c", "import sys, platform; print(f'{sys.version_info[0]}.{sys.version_info[1]}', platform.python_implementation())"], { encoding: "utf8" });
  const [pyVersion, impl] = (info.stdout || "").trim().split(" ");
  fs.writeFileSync(path.join(here, "bundled", "bundle.json"), JSON.stringify({ python: pyVersion, implementation: impl, platform: target }, null, 2) + "\n");
  if (!fs.existsSync(path.join(libs, "dockwise", "__init__.py"))) throw new Error("pip did not install dockwise into bundled/libs");

  require("esbuild").buildSync({
    entryPoints: [path.join(here, "src", "extension.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    outfile: path.join(here, "dist", "extension.js"),
    logLevel: "warning",
  });

  const version = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8")).version;
  const out = `dockwise-${target}-${version}.vsix`;
  for (const f of fs.readdirSync(here)) if (f.endsWith(".vsix")) fs.rmSync(path.join(here, f));
  const vsce = path.join(path.dirname(require.resolve("@vscode/vsce/package.json")), "vsce");
  run(process.execPath, [vsce, "package", "--no-dependencies", "--target", target, "--out", out], { cwd: here });
  console.log(`built ${path.join(here, out)}`);
}

try {
  main();
} catch (err) {
  console.error(`package: ${err.message}`);
  process.exit(1);
}
