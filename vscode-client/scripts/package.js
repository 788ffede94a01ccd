#!/usr/bin/env node
// npm run package: bundle the server's Python code and dependencies into
// bundled/libs, bundle the client with esbuild, build the .vsix with vsce.
//
//   npm run package [-- --target linux-arm64]
//
//   --target / DOCKWISE_TARGET  VS Code platform to build for: linux-x64, linux-arm64,
//                               darwin-x64, darwin-arm64 or win32-x64; default: this machine's
//   DOCKWISE_PYTHONS  CPython versions to bundle, comma-separated; default 3.11,3.12,3.13,3.14
//   DOCKWISE_PYTHON   Python (3.11+) that runs pip; default: the repository's .venv, else python3
//   DOCKWISE_ROOT     the dockwise repository (pyproject.toml); default: this directory's parent
//   DOCKWISE_BYTECODE_PYTHONS  interpreters that compile the bundled libraries, comma-separated
//                     paths (each is asked its version); default: python3.X on PATH, else
//                     pyenv's ~/.pyenv/versions/3.X*/bin/python3.X, for each bundled 3.X;
//                     "none": ship no bytecode
//
// tree-sitter ships compiled modules built for one CPython version each (no
// abi3). Extension modules carry their version in their file name
// (_binding.cpython-312-x86_64-linux-gnu.so, _binding.cp312-win_amd64.pyd), so
// the builds for every bundled version live side by side in one bundled/libs:
// dockwise and all dependencies are installed once (for the lowest version),
// then the compiled dependencies again for each further version. A version
// whose compiled dependencies have no wheel for the target is left out (with a
// note); PyYAML may lack one, it falls back to pure Python. bundled/bundle.json
// records the platform and versions; the client checks the interpreter against it.
//
// Bytecode: for each bundled version that this machine has an interpreter for,
// bundled/libs is compiled with that interpreter (compileall, unchecked-hash
// .pyc: a .vsix is extracted with new mtimes, so timestamp-checked .pyc would be
// stale and rewritten on the first start; unchecked ones are used as they are).
// bundle.json's "bytecode" lists the versions compiled. A bundled version
// without an interpreter here gets a note and compiles on its first start, as
// before. A file that does not compile for a version: in dockwise itself the
// build fails (that version could not run the server); in a dependency it is
// left without .pyc for that version (Python would fail on it at import, as it
// would without bytecode; such files are version-specific modules that are not
// imported there), noted and listed in bundle.json's "bytecode_skipped".
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const here = path.resolve(__dirname, "..");
const root = path.resolve(process.env.DOCKWISE_ROOT || path.join(here, ".."));
const libs = path.join(here, "bundled", "libs");

/** VS Code target → pip --platform tags, best first (VS Code itself needs glibc 2.28 / macOS 11). */
const PLATFORM_TAGS = {
  "linux-x64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
  "linux-arm64": ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
  "darwin-x64": ["macosx_11_0_x86_64"], // pip adds older macOS releases and universal2
  "darwin-arm64": ["macosx_11_0_arm64"],
  "win32-x64": ["win_amd64"],
};
const DEFAULT_PYTHONS = ["3.11", "3.12", "3.13", "3.14"];
/** Compiled dependencies with a pure-Python fallback: a missing wheel does not drop a version. */
const PURE_FALLBACK = new Set(["pyyaml"]);
const PIP_QUIET = ["--quiet", "--disable-pip-version-check", "--no-compile", "--no-warn-script-location"];

function run(cmd, args, opts = {}) {
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.mayFail) throw new Error(`${cmd} exited with ${r.status}`);
  return r;
}

function python() {
  if (process.env.DOCKWISE_PYTHON) return process.env.DOCKWISE_PYTHON;
  const venv = process.platform === "win32" ? path.join(root, ".venv", "Scripts", "python.exe") : path.join(root, ".venv", "bin", "python");
  if (fs.existsSync(venv)) return venv;
  return process.platform === "win32" ? "python" : "python3";
}

function hostTarget() {
  const arch = { x64: "x64", arm64: "arm64", arm: "armhf" }[process.arch] || process.arch;
  let platform = process.platform;
  if (platform === "linux" && fs.existsSync("/etc/alpine-release")) platform = "alpine";
  return `${platform}-${arch}`;
}

function chosenTarget(argv) {
  const i = argv.findIndex((a) => a === "--target" || a.startsWith("--target="));
  const target = i < 0 ? process.env.DOCKWISE_TARGET || hostTarget() : argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  if (!PLATFORM_TAGS[target]) throw new Error(`cannot bundle for target "${target}": choose one of ${Object.keys(PLATFORM_TAGS).join(", ")} (--target or DOCKWISE_TARGET)`);
  return target;
}

function chosenPythons() {
  const list = (process.env.DOCKWISE_PYTHONS || DEFAULT_PYTHONS.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
  for (const v of list) if (!/^3\.\d+$/.test(v)) throw new Error(`DOCKWISE_PYTHONS: "${v}" is not a CPython version like 3.12`);
  return list.sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}

/** The CPython (not free-threaded) version exe runs ("3.12"), undefined when it does not run. */
function interpreterVersion(exe) {
  const r = spawnSync(exe, ["-I", "-S", "-c", "import sys, sysconfig; print('%d.%d' % sys.version_info[:2], sys.implementation.name, bool(sysconfig.get_config_var('Py_GIL_DISABLED')))"], { encoding: "utf8", timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  const [version, impl, freeThreaded] = r.stdout.trim().split(/\s+/);
  return impl === "cpython" && freeThreaded === "False" ? version : undefined;
}

/** Interpreters that can compile bytecode for the bundled versions: {"3.12": path}. */
function bytecodeInterpreters(pythons) {
  const found = {};
  const override = process.env.DOCKWISE_BYTECODE_PYTHONS;
  if (override !== undefined) {
    if (override.trim() === "none") return found;
    for (const exe of override.split(",").map((s) => s.trim()).filter(Boolean)) {
      const v = interpreterVersion(exe);
      if (!v) throw new Error(`DOCKWISE_BYTECODE_PYTHONS: ${exe} is not a runnable CPython (GIL build)`);
      if (pythons.includes(v)) found[v] = exe;
      else console.log(`note: ${exe} is CPython ${v}, which the bundle does not include: not used`);
    }
    return found;
  }
  const exeName = (v) => (process.platform === "win32" ? "python.exe" : `python${v}`);
  const pathDirs = (process.env.PATH || "").split(path.delimiter).filter(Boolean);
  const pyenvRoot = process.env.PYENV_ROOT || path.join(os.homedir(), ".pyenv");
  for (const v of pythons) {
    const candidates = process.platform === "win32" ? [] : pathDirs.map((d) => path.join(d, exeName(v)));
    const versions = path.join(pyenvRoot, "versions");
    if (fs.existsSync(versions)) {
      const installs = fs.readdirSync(versions).filter((d) => d === v || d.startsWith(`${v}.`)).sort().reverse();
      candidates.push(...installs.map((d) => path.join(versions, d, "bin", exeName(v))));
    }
    // a pyenv shim on PATH fails for versions that are not active: each candidate is asked
    const exe = candidates.find((c) => fs.existsSync(c) && interpreterVersion(c) === v);
    if (exe) found[v] = exe;
  }
  return found;
}

/**
 * Compiles bundled/libs for each version with an interpreter. Returns the versions compiled
 * and, per version, the dependency files that did not compile (left without .pyc).
 */
function compileBytecode(pythons) {
  const interpreters = bytecodeInterpreters(pythons);
  const compiled = [];
  const skipped = {};
  for (const v of pythons) {
    const exe = interpreters[v];
    if (!exe) {
      console.log(`note: no CPython ${v} interpreter here (PATH python${v}, pyenv, DOCKWISE_BYTECODE_PYTHONS): no bytecode for it, it compiles on its first start`);
      continue;
    }
    // -s: the .pyc name their source relative to bundled/libs, not this machine's path
    const args = ["-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", "-s", libs, libs];
    console.log(`$ ${exe} ${args.join(" ")}`);
    const r = spawnSync(exe, args, { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    const failed = [...r.stdout.matchAll(/^\*\*\* Error compiling '(.+)'\.\.\.$/gm)].map((m) => path.relative(libs, path.resolve(libs, m[1])).split(path.sep).join("/"));
    if (r.status !== 0 && failed.length === 0) throw new Error(`compileall with CPython ${v} failed (${r.status}):\n${r.stdout}${r.stderr}`);
    const ours = failed.filter((f) => f.startsWith("dockwise/"));
    if (ours.length) throw new Error(`dockwise files do not compile with CPython ${v}:\n${r.stdout}`);
    if (failed.length) {
      console.log(`note: CPython ${v} cannot compile ${failed.length} dependency file(s), left without bytecode for it: ${failed.join(", ")}`);
      skipped[v] = failed.sort();
    }
    compiled.push(v);
  }
  return { compiled, skipped };
}

function pipFor(version, target) {
  return ["--only-binary=:all:", "--implementation", "cp", "--python-version", version, ...PLATFORM_TAGS[target].flatMap((t) => ["--platform", t])];
}

/** The installed distributions that are not pure Python: [{name, version, abi3}]. */
function compiledDists(dir) {
  const out = [];
  for (const d of fs.readdirSync(dir).filter((f) => f.endsWith(".dist-info"))) {
    const wheel = fs.readFileSync(path.join(dir, d, "WHEEL"), "utf8");
    if (!/^Root-Is-Purelib: false/m.test(wheel)) continue;
    const meta = fs.readFileSync(path.join(dir, d, "METADATA"), "utf8");
    const field = (k) => new RegExp(`^${k}: (.+)$`, "m").exec(meta)[1].trim();
    const tags = [...wheel.matchAll(/^Tag: (.+)$/gm)].map((m) => m[1]);
    out.push({ name: field("Name").toLowerCase().replace(/[-_.]+/g, "-"), version: field("Version"), abi3: tags.every((t) => t.split("-")[1] === "abi3") });
  }
  return out;
}

/** Files under dir, relative, skipping *.dist-info and bin. */
function files(dir, rel = "") {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) return rel === "" && (e.name.endsWith(".dist-info") || e.name === "bin") ? [] : files(dir, r);
    return [r];
  });
}

/** The CPython version an extension module is built for ("312"), undefined for abi3 / pure files. */
function extensionTag(file) {
  const m = /\.(?:cpython-|cp)(3\d+)[^.]*\.(so|pyd)$/.exec(file);
  return m ? m[1] : undefined;
}

/** Installs the compiled dependencies for `version` beside the base ones; false when they have no wheels. */
function addVersion(py, version, target, dists, work) {
  const tmp = path.join(work, version);
  const needed = dists.filter((d) => !d.abi3);
  let ok = run(py, ["-m", "pip", "install", ...PIP_QUIET, "--no-deps", "--target", tmp, ...pipFor(version, target), ...needed.map((d) => `${d.name}==${d.version}`)], { mayFail: true }).status === 0;
  const required = needed.filter((d) => !PURE_FALLBACK.has(d.name));
  if (!ok && required.length < needed.length) {
    console.log(`note: retrying CPython ${version} without ${needed.filter((d) => PURE_FALLBACK.has(d.name)).map((d) => d.name).join(", ")} (pure-Python fallback)`);
    fs.rmSync(tmp, { recursive: true, force: true });
    ok = run(py, ["-m", "pip", "install", ...PIP_QUIET, "--no-deps", "--target", tmp, ...pipFor(version, target), ...required.map((d) => `${d.name}==${d.version}`)], { mayFail: true }).status === 0;
  }
  if (!ok) return false;
  for (const f of files(tmp)) {
    const dest = path.join(libs, f);
    if (!fs.existsSync(dest)) {
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(tmp, f), dest);
    } else if (!extensionTag(f) && !fs.readFileSync(dest).equals(fs.readFileSync(path.join(tmp, f)))) {
      throw new Error(`${f} differs between the CPython ${version} wheel and the base one: they cannot share bundled/libs`);
    }
  }
  return true;
}

// Requires-Dist markers and Requires-Python of everything in bundled/libs, evaluated
// for each version on the target platform: the pure dependencies were resolved once
// (pip evaluates markers for the machine it runs on), so check that nothing that
// another version or platform needs is missing.
const CHECK = `
import json, re, sys
from pathlib import Path
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.specifiers import SpecifierSet
from email.parser import Parser
libs, target, versions = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
system, arch = target.split("-")
env0 = {"sys_platform": system, "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[system],
        "os_name": "nt" if system == "win32" else "posix", "platform_machine": {"x64": "AMD64" if system == "win32" else "x86_64", "arm64": "arm64" if system == "darwin" else "aarch64"}[arch],
        "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
dists = {}
for d in libs.glob("*.dist-info"):
    meta = Parser().parsestr((d / "METADATA").read_text(encoding="utf-8"), headersonly=True)
    dists[norm(meta["Name"])] = meta
problems = []
for v in versions:
    env = {**env0, "python_version": v, "python_full_version": v + ".0", "implementation_version": v + ".0"}
    for name, meta in dists.items():
        if meta["Requires-Python"] and not SpecifierSet(meta["Requires-Python"]).contains(v + ".0", prereleases=True):
            problems.append(f"{name} {meta['Version']} requires Python {meta['Requires-Python']} (not {v})")
        for r in map(Requirement, meta.get_all("Requires-Dist") or []):
            if r.marker and not r.marker.evaluate(env):
                continue
            got = dists.get(norm(r.name))
            if got is None:
                problems.append(f"{name} needs {r} on CPython {v} {target}, which is not bundled")
            elif not r.specifier.contains(got["Version"], prereleases=True):
                problems.append(f"{name} needs {r}, bundled is {got['Version']}")
print("\\n".join(problems))
sys.exit(1 if problems else 0)
`;

function bundlePython(py, target, pythons) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dockwise-bundle-"));
  try {
    run(py, ["-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--wheel-dir", work, root]);
    const wheel = fs.readdirSync(work).find((f) => /^dockwise-.*\.whl$/.test(f));
    if (!wheel) throw new Error("pip wheel did not build dockwise");
    const [base, ...rest] = pythons;
    run(py, ["-m", "pip", "install", ...PIP_QUIET, "--target", libs, ...pipFor(base, target), path.join(work, wheel)]);
    fs.rmSync(path.join(libs, "bin"), { recursive: true, force: true }); // console scripts with this machine's shebang
    if (!fs.existsSync(path.join(libs, "dockwise", "__init__.py"))) throw new Error("pip did not install dockwise into bundled/libs");
    const dists = compiledDists(libs);
    const supported = [base];
    for (const v of rest) {
      if (addVersion(py, v, target, dists, work)) supported.push(v);
      else console.log(`note: no ${dists.filter((d) => !d.abi3).map((d) => d.name).join("/")} wheels for CPython ${v} on ${target}: the bundle leaves it out`);
    }
    const check = spawnSync(py, ["-c", CHECK, libs, target, JSON.stringify(supported)], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`the bundled dependencies do not fit every version:\n${check.stdout}${check.stderr}`);
    return supported;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  if (!fs.existsSync(path.join(root, "pyproject.toml"))) throw new Error(`${root} has no pyproject.toml (set DOCKWISE_ROOT)`);
  const target = chosenTarget(process.argv.slice(2));
  const py = python();
  fs.rmSync(path.join(here, "bundled"), { recursive: true, force: true });
  const pythons = bundlePython(py, target, chosenPythons());
  const { compiled, skipped } = compileBytecode(pythons);
  const info = { implementation: "CPython", pythons, platform: target, bytecode: compiled };
  if (Object.keys(skipped).length) info.bytecode_skipped = skipped;
  fs.writeFileSync(path.join(here, "bundled", "bundle.json"), JSON.stringify(info, null, 2) + "\n");
  console.log(`bundled the server for CPython ${pythons.join(", ")} on ${target}; bytecode for ${compiled.join(", ") || "none"}`);

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
