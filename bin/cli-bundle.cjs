// Starts the `oceanid` CLI fast: src/cli/main.ts pre-bundled into one CommonJS file by esbuild,
// rebuilt whenever anything it was built from changed, and compiled from a V8 code cache.
// Through tsx every start paid ~50 ms registering the loader and transpiling and resolving ~40
// files one by one; the bundle is one file, and with its code cache V8 does not even parse it.
//
// - Fresh or rebuilt, never stale: the bundle's first line records every file it was built from
//   (sources, bundled packages, tsconfig.json, package.json, node_modules/.package-lock.json, this
//   file) and every directory under src/, with mtime and size, stat'ed *before* esbuild reads
//   them. Any difference (newer, older, missing, a file added under src/) means a rebuild. The
//   text that is checked is the text that runs: read once, compiled from memory.
// - Concurrent first runs: each writes temp files and renames them into place, so a reader sees
//   a whole file or none; a bundle built from sources that changed meanwhile recorded the old
//   mtimes, so the next run rebuilds it.
// - Cache: node_modules/.cache/oceanid/ (git-ignored with node_modules), or $OCEANID_CLI_CACHE.
//   cli.cjs is the bundle; cli.<build>.map (source map) and cli.<build>.v8cache (V8 code cache,
//   written at exit by the first run of a build, or when V8 rejects it after a Node upgrade)
//   belong to one build. A read-only install still works: it builds in memory, saving nothing.
// - Packages: only commander and pg (with what they import) are bundled; every other package is
//   a plain require() from the repository's node_modules, the same module the rest of the
//   process sees.
// - Stack traces name src/**/*.ts lines, as under tsx: frames in the bundle are mapped through
//   its source map, read only when a stack is printed.
// - `oceanid plan` runs from source through tsx, as before: it require()s the Pulumi program,
//   which must share src/config.ts and friends with the plan code and be compiled with tsconfig
//   semantics, as `pulumi up` does. So does every command when esbuild cannot build.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join("src", "cli", "main.ts");
const HEADER = "// oceanid-cli-bundle ";
/** Bump when the build changes in a way the recorded files do not show. */
const FORMAT = 1;
/** Packages imported from src/ that are bundled, together with every package they import. */
const BUNDLED_PACKAGES = ["commander", "pg", "pg-connection-string"];
/** Subcommands that always run from source through tsx (see above). */
const SOURCE_COMMANDS = ["plan"];
/** Files besides the bundle's inputs whose change must rebuild it (relative to the root). */
const BUILD_SETTINGS = ["package.json", "tsconfig.json", path.join("node_modules", ".package-lock.json"), path.relative(ROOT, __filename)];

function cacheDir(root) {
  return process.env.OCEANID_CLI_CACHE ? path.resolve(process.env.OCEANID_CLI_CACHE) : path.join(root, "node_modules", ".cache", "oceanid");
}

/** `[mtimeMs, size]` of a file or directory, or null when it does not exist. */
function statKey(file) {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  return s ? [s.mtimeMs, s.size] : null;
}

/** The bundle's stamp: `{ format, root, build, files: [[relativePath, [mtimeMs, size] | null]] }`. */
function readStamp(text) {
  if (!text.startsWith(HEADER)) return undefined;
  try {
    return JSON.parse(text.slice(HEADER.length, text.indexOf("\n")));
  } catch {
    return undefined;
  }
}

/** Whether every file and directory the bundle was built from is still exactly as recorded. */
function isFresh(stamp, root) {
  if (!stamp || stamp.format !== FORMAT || stamp.root !== root || !Array.isArray(stamp.files) || typeof stamp.build !== "string" || !/^[0-9a-z]+$/.test(stamp.build)) return false;
  try {
    for (const [rel, key] of stamp.files) {
      const now = statKey(path.join(root, rel));
      if (now === null || key === null ? now !== key : now[0] !== key[0] || now[1] !== key[1]) return false;
    }
  } catch {
    return false;
  }
  return true;
}

function directoriesUnder(dir, out = []) {
  out.push(dir);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) directoriesUnder(path.join(dir, entry.name), out);
  }
  return out;
}

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function loaderFor(file) {
  return /\.[cm]?ts$/.test(file) ? "ts" : /\.tsx$/.test(file) ? "tsx" : file.endsWith(".json") ? "json" : "js";
}

/** esbuild plugin: records inputs, decides bundled vs external packages, keeps __dirname right. */
function plugin(root, record) {
  const srcDir = path.join(root, "src") + path.sep;
  return {
    name: "oceanid-cli",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        // Inside a bundled package everything it imports is bundled too (builtins stay external).
        if (!args.importer.startsWith(srcDir)) return undefined;
        if (args.path.startsWith("node:") || !BUNDLED_PACKAGES.includes(packageName(args.path))) return { path: args.path, external: true };
        return undefined;
      });
      // Stat before esbuild reads: a change after this point shows as a different mtime next run.
      build.onLoad({ filter: /.*/ }, (args) => {
        record(args.path);
        return undefined;
      });
      // __dirname/__filename of a bundled source file would be the cache directory's: give each
      // file its own (on its first line, so line numbers stay the same).
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (!args.path.startsWith(srcDir)) return undefined;
        const text = await fs.promises.readFile(args.path, "utf8");
        if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
        const prefix = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)}; `;
        return { contents: prefix + text, loader: loaderFor(args.path) };
      });
      // pg decides at load time whether it runs in a Cloudflare Worker; on Node 20 (no
      // `navigator`) the check touches the global `Response`, which loads Node's fetch
      // implementation: ~20 ms of every start, for a question whose answer here is always no.
      build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
        const text = await fs.promises.readFile(args.path, "utf8");
        const patched = text.replace("if (isCloudflareRuntime())", "if (false /* oceanid: always Node, see bin/cli-bundle.cjs */)");
        return patched === text ? undefined : { contents: patched, loader: "js" };
      });
    },
  };
}

/** Writes `data` to `file` through a temp file and a rename; false when the cache is not writable. */
function writeAtomically(file, data) {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
    return true;
  } catch {
    fs.rmSync(temp, { force: true });
    return false;
  }
}

/**
 * Deletes the map and code cache of the build this one replaced, and those of any other build
 * older than an hour (left by concurrent first runs). Best effort: a run may still be using them.
 */
function removeEarlierBuilds(dir, replaced) {
  try {
    for (const name of fs.readdirSync(dir)) {
      const build = /^cli\.([0-9a-z]+)\.(map|v8cache)$/.exec(name)?.[1];
      if (build === undefined) continue;
      const file = path.join(dir, name);
      if (build === replaced || Date.now() - fs.statSync(file).mtimeMs > 3_600_000) fs.rmSync(file, { force: true });
    }
  } catch {
    // Nothing to tidy.
  }
}

/**
 * Bundles the CLI and saves it when the cache is writable, in place of build `replaced`.
 * Returns `{ text, stamp, map }`: the bundle (stamp first) and a function giving its source map.
 */
async function build(root = ROOT, replaced = undefined) {
  const recorded = new Map();
  const record = (file) => {
    const rel = path.relative(root, file);
    if (!recorded.has(rel)) recorded.set(rel, statKey(file));
  };
  for (const dir of directoriesUnder(path.join(root, "src"))) record(dir);
  for (const file of BUILD_SETTINGS) record(path.join(root, file));

  const esbuild = require("esbuild");
  const dir = cacheDir(root);
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [path.join(root, ENTRY)],
      outfile: path.join(dir, "cli.cjs"),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      tsconfig: path.join(root, "tsconfig.json"),
      sourcemap: "external",
      sourcesContent: false,
      write: false,
      logLevel: "silent",
      plugins: [plugin(root, record)],
    });
  } finally {
    await esbuild.stop();
  }
  const output = (ext) => result.outputFiles.find((f) => f.path.endsWith(ext)).text;
  const stamp = { format: FORMAT, root, build: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`, files: [...recorded] };
  const text = `${HEADER}${JSON.stringify(stamp)}\n${output(".cjs")}`;
  const map = output(".map");
  // The map first: a bundle in place has its map.
  if (writeAtomically(path.join(dir, `cli.${stamp.build}.map`), map) && writeAtomically(path.join(dir, "cli.cjs"), text)) removeEarlierBuilds(dir, replaced);
  return { text, stamp, map: () => map };
}

/**
 * Formats stacks as V8 does, with frames in the bundle mapped to the source file, line and column
 * they came from. The map is read the first time such a frame is printed.
 */
function mapStackTraces(file, readMap) {
  let sourceMap;
  const toSource = (frame) => {
    const text = frame.toString();
    if (frame.getFileName() !== file || sourceMap === null) return text;
    try {
      sourceMap ??= new (require("node:module").SourceMap)(JSON.parse(readMap()));
    } catch {
      sourceMap = null;
      return text;
    }
    // Line 1 of the file is the stamp, which esbuild's map does not know about.
    const entry = sourceMap.findEntry(frame.getLineNumber() - 2, frame.getColumnNumber() - 1);
    if (!entry || !entry.originalSource) return text;
    const source = path.resolve(path.dirname(file), entry.originalSource);
    return text.replace(`${file}:${frame.getLineNumber()}:${frame.getColumnNumber()}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
  };
  Error.prepareStackTrace = (error, frames) => {
    let header;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = "Error";
    }
    return [header, ...frames.map((frame) => `    at ${toSource(frame)}`)].join("\n");
  };
}

/** Runs the bundle as the module `file`; its require() resolves packages as src/cli/main.ts would. */
function run(bundle, file, root) {
  const Module = require("node:module");
  const vm = require("node:vm");
  const dir = path.dirname(file);
  const cacheFile = path.join(dir, `cli.${bundle.stamp.build}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The wrapper CommonJS gives every module, on the stamp's line so line numbers stay the file's.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${bundle.text}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit the cache also holds the functions this run compiled, not just the top level.
    process.once("exit", () => writeAtomically(cacheFile, script.createCachedData()));
  }
  mapStackTraces(file, bundle.map);
  const mod = new Module(file, module);
  mod.filename = file;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(path.join(root, ENTRY)), mod, file, dir);
  mod.loaded = true;
  return mod.exports;
}

function fromSource(root) {
  require("tsx/cjs");
  return require(path.join(root, ENTRY));
}

/** The subcommand: the first argument that is not an option (the program has no options of its own). */
function subcommand(argv) {
  return argv.slice(2).find((arg) => !arg.startsWith("-"));
}

/** The bundle in the cache: `{ text, stamp, map, fresh }`, or undefined when there is none. */
function cachedBundle(file, root) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const stamp = readStamp(text);
  return { text, stamp, map: () => fs.readFileSync(path.join(path.dirname(file), `cli.${stamp.build}.map`), "utf8"), fresh: isFresh(stamp, root) };
}

/** The CLI module (exports `main`): from the bundle when it is fresh, rebuilt when it is not. */
async function loadCli(argv = process.argv, root = ROOT) {
  if (SOURCE_COMMANDS.includes(subcommand(argv))) return fromSource(root);
  const file = path.join(cacheDir(root), "cli.cjs");
  let bundle = cachedBundle(file, root);
  if (!bundle?.fresh) {
    try {
      bundle = await build(root, bundle?.stamp?.build);
    } catch {
      // No esbuild, or sources it cannot build: tsx gives the same result (or error) as before.
      return fromSource(root);
    }
  }
  return run(bundle, file, root);
}

module.exports = { loadCli, build, isFresh, readStamp, subcommand, BUNDLED_PACKAGES };
