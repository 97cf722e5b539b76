// Starts the `oceanid` CLI fast: src/cli/main.ts pre-bundled into CommonJS files by esbuild, one
// per command (COMMAND_BUNDLES) and one of the whole CLI, rebuilt whenever anything they were
// built from changed, and compiled from a V8 code cache. Through tsx every start paid ~50 ms
// registering the loader and transpiling and resolving ~40 files one by one; a bundle is one
// file, and with its code cache V8 does not even parse it.
//
// - Fresh or rebuilt, never stale: a bundle's first line records every file it was built from
//   (sources, bundled packages, tsconfig.json, package.json, node_modules/.package-lock.json, this
//   file) and every directory under src/, with mtime and size, stat'ed *before* esbuild reads
//   them. Any difference (newer, older, missing, a file added under src/) means a rebuild, of
//   every bundle at once. The text that is checked is the text that runs: read once, compiled
//   from memory.
// - Concurrent first runs: each writes temp files and renames them into place, so a reader sees
//   a whole file or none; a bundle built from sources that changed meanwhile recorded the old
//   mtimes, so the next run rebuilds it.
// - Cache: node_modules/.cache/oceanid/ (git-ignored with node_modules), or $OCEANID_CLI_CACHE.
//   cli-<command>.cjs and cli.cjs are the bundles; <bundle>.<build>.map (source map) and
//   <bundle>.<build>.v8cache (V8 code cache, written at exit by the first run of a build, or when
//   V8 rejects it after a Node upgrade) belong to one build. A read-only install still works: it
//   builds in memory, saving nothing.
// - Packages: only commander and pg (with what they import) are bundled; every other package is
//   a plain require() from the repository's node_modules, the same module the rest of the
//   process sees.
// - Stack traces name src/**/*.ts lines, as under tsx: frames in the bundle are mapped through
//   its source map, read only when a stack is printed.
// - The Pulumi program (index.ts) is in the plan's bundle too, registered for `oceanid plan`: it
//   shares src/config.ts and friends with the plan code, compiled as one with tsconfig.json
//   (transpile only, as `pulumi up` compiles it). Through tsx the plan paid ~1 s for the loader,
//   transpiling and source-mapping every stack the SDK captures. Another --program is
//   require()d via tsx.
// - Every command runs from source through tsx when esbuild cannot build.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

// Type-checked with the rest (tsconfig.json checkJs); these types are the file's data shapes.
/** @typedef {[mtimeMs: number, size: number] | null} StatKey */
/** @typedef {{ format: number, root: string, build: string, files: Array<[string, StatKey]> }} Stamp */
/** @typedef {{ text: string, stamp: Stamp, map: () => string }} Bundle */
/** @typedef {{ main(argv: string[]): Promise<void>, useStackMapper(mapper: (stack: string) => string): void }} CliModule */

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join("src", "cli", "main.ts");
const HEADER = "// oceanid-cli-bundle ";
/** Bump when the build changes in a way the recorded files do not show. */
const FORMAT = 2;
/** Packages imported from src/ that are bundled, together with every package they import. */
const BUNDLED_PACKAGES = ["commander", "pg", "pg-connection-string"];
/** The Pulumi program, compiled into the bundle for `oceanid plan` when the checkout has one. */
const PROGRAM = "index.ts";
/** Where bundledProvider() lives; the bundle hands it each dynamic provider compiled ahead of time. */
const BUNDLED_PROVIDERS = path.join("src", "dynamicProviders", "bundled.ts");
/**
 * PROVIDER_BUILD_OPTIONS of src/dynamicProviders/bundled.ts (a test keeps the two equal).
 * @type {import("esbuild").BuildOptions & { write: false }}
 */
const PROVIDER_BUILD_OPTIONS = { bundle: true, platform: "node", format: "cjs", target: "node20", packages: "external", write: false, logLevel: "silent" };
/** Stands in for pg/lib/crypto/utils.js in the bundle; why is in the file. */
const PG_CRYPTO = path.join("bin", "pg-crypto-node.cjs");
/**
 * Each command's own bundle, cli-<command>.cjs: `oceanid migrate` loads the module that
 * registers migrate and what that module runs, not the whole CLI. For migrate that is half the
 * code (and half the code cache) and ~9 ms less of every start. Any other start (`oceanid --help`,
 * a typo) loads cli.cjs, built from src/cli/main.ts. `program`: the bundle also holds the Pulumi
 * program and the dynamic providers compiled ahead of time (see entries()).
 * tests/cli/bundle.test.ts keeps this list equal to the commands src/cli/main.ts registers.
 * @type {ReadonlyArray<{ command: string, module: string, register: string, program?: boolean }>}
 */
const COMMAND_BUNDLES = [
  { command: "plan", module: "src/plan/command.ts", register: "registerPlanCommand", program: true },
  { command: "schema", module: "src/plan/schemaCommand.ts", register: "registerSchemaCommand" },
  { command: "migrate", module: "src/migrations/command.ts", register: "registerMigrateCommand" },
  { command: "firewall", module: "src/crunchyBridge/command.ts", register: "registerFirewallCommand" },
  { command: "smoke", module: "src/smoke/command.ts", register: "registerSmokeCommand" },
  { command: "provision", module: "src/labelStudioStorage/command.ts", register: "registerProvisionCommand" },
  { command: "policy", module: "src/policy/command.ts", register: "registerPolicyCommand" },
];
/** The whole CLI's bundle (cli.cjs). */
const WHOLE_CLI = "cli";
/** esbuild namespace of the generated entries (see entries()). */
const ENTRY_NAMESPACE = "oceanid-entry";
/**
 * Builtins a bundled package requires when it loads, for paths oceanid never takes; it gets a
 * stand-in that loads them on first use (see plugin()), which tests/cli/bundle.test.ts checks.
 * - commander: child_process, for executable subcommands (oceanid has none), loads net, dgram
 *   and more: ~10 ms of every start, where a command that opens no socket needs none of it.
 * - pg: dns, for the native driver's connection string: c-ares, ~1-2 ms of every connection.
 * @type {Record<string, string[]>}
 */
const DEFERRED_BUILTINS = { commander: ["child_process"], pg: ["dns"] };
/** esbuild namespace of those stand-ins. */
const LAZY_BUILTIN = "oceanid-lazy-builtin";
/** Files besides the bundle's inputs whose change must rebuild it (relative to the root). */
const BUILD_SETTINGS = ["package.json", "tsconfig.json", PROGRAM, path.join("node_modules", ".package-lock.json"), path.relative(ROOT, __filename), PG_CRYPTO];

/** @param {string} root */
function cacheDir(root) {
  return process.env.OCEANID_CLI_CACHE ? path.resolve(process.env.OCEANID_CLI_CACHE) : path.join(root, "node_modules", ".cache", "oceanid");
}

/**
 * `[mtimeMs, size]` of a file or directory, or null when it does not exist.
 * @param {string} file
 * @returns {StatKey}
 */
function statKey(file) {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  return s ? [s.mtimeMs, s.size] : null;
}

/**
 * The bundle's stamp, from its first line; undefined when there is none. Checked by isFresh().
 * @param {string} text
 * @returns {Stamp | undefined}
 */
function readStamp(text) {
  if (!text.startsWith(HEADER)) return undefined;
  try {
    return JSON.parse(text.slice(HEADER.length, text.indexOf("\n")));
  } catch {
    return undefined;
  }
}

/**
 * Whether every file and directory the bundle was built from is still exactly as recorded.
 * @param {Stamp | undefined} stamp
 * @param {string} root
 */
function isFresh(stamp, root) {
  if (!stamp || stamp.format !== FORMAT || stamp.root !== root || !Array.isArray(stamp.files) || typeof stamp.build !== "string" || !/^[0-9a-z]+$/.test(stamp.build)) return false;
  try {
    // Concatenated, not path.join()ed: each rel is path.relative()'s normal form already, and
    // ~160 joins cost 3-5 ms of every start (path.normalize, not yet compiled that early).
    const prefix = root + path.sep;
    for (const [rel, key] of stamp.files) {
      const now = statKey(prefix + rel);
      if (now === null || key === null ? now !== key : now[0] !== key[0] || now[1] !== key[1]) return false;
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * @param {string} dir
 * @param {string[]} out
 */
function directoriesUnder(dir, out = []) {
  out.push(dir);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) directoriesUnder(path.join(dir, entry.name), out);
  }
  return out;
}

/** @param {string} specifier */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * @param {string} file
 * @returns {import("esbuild").Loader}
 */
function loaderFor(file) {
  return /\.[cm]?ts$/.test(file) ? "ts" : /\.tsx$/.test(file) ? "tsx" : file.endsWith(".json") ? "json" : "js";
}

/**
 * esbuild plugin: serves the entries, records inputs, decides bundled vs external packages, keeps
 * __dirname right.
 * @param {string} root
 * @param {(file: string) => void} record
 * @param {Map<string, string>} entryTexts each bundle's entry (entries()), by bundle name
 * @returns {import("esbuild").Plugin}
 */
function plugin(root, record, entryTexts) {
  const srcDir = path.join(root, "src") + path.sep;
  return {
    name: "oceanid-cli",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}:`) }, (args) => ({ path: args.path.slice(ENTRY_NAMESPACE.length + 1), namespace: ENTRY_NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, (args) => ({ contents: entryTexts.get(args.path), resolveDir: root, loader: "js" }));
      // Builtins bundled packages require when they load but use only on paths oceanid never
      // takes (DEFERRED_BUILTINS): each gets a stand-in that requires it on first use.
      build.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
        const name = args.path.replace(/^node:/, "");
        const deferred = Object.entries(DEFERRED_BUILTINS).some(([pkg, builtins]) => builtins.includes(name) && args.importer.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`));
        return deferred ? { path: name, namespace: LAZY_BUILTIN } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: LAZY_BUILTIN }, (args) => ({
        contents: `let loaded;\nmodule.exports = new Proxy({}, { get: (_, key) => (loaded ??= require("node:${args.path}"))[key] });\n`,
        loader: "js",
      }));
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        // Inside a bundled package everything it imports is bundled too (builtins stay external).
        if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        if (args.path.startsWith("node:") || !BUNDLED_PACKAGES.includes(packageName(args.path))) return { path: args.path, external: true };
        return undefined;
      });
      // Stat before esbuild reads: a change after this point shows as a different mtime next run.
      build.onLoad({ filter: /.*/, namespace: "file" }, (args) => {
        record(args.path);
        return undefined;
      });
      // __dirname/__filename of a bundled source file would be the cache directory's: give each
      // file its own (on its first line, so line numbers stay the same).
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (!args.path.startsWith(srcDir) && args.path !== path.join(root, PROGRAM)) return undefined;
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
      // pg's SCRAM primitives on node:crypto instead of WebCrypto: see PG_CRYPTO.
      build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]crypto[\\/]utils\.js$/ }, async () => {
        const file = path.join(root, PG_CRYPTO);
        return { contents: await fs.promises.readFile(file, "utf8"), loader: "js", resolveDir: path.dirname(file) };
      });
    },
  };
}

/**
 * The bundle as ASCII, so a start reads it as one-byte text (half the time of decoding UTF-8,
 * ~5 ms of every command). esbuild escapes every non-ASCII character in code (its default
 * charset); the ones left are in comments it keeps (an em dash, a name), and each becomes "?"
 * per UTF-16 unit, so the source map's columns still hold.
 * @param {string} code
 */
function asciiComments(code) {
  return code.replace(/[^\x00-\x7f]/g, "?");
}

/**
 * JSON with every non-ASCII character escaped (a checkout path may have some).
 * @param {unknown} value
 */
function asciiJson(value) {
  return JSON.stringify(value).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Writes `data` to `file` through a temp file and a rename; false when the cache is not writable.
 * @param {string} file
 * @param {string | Buffer} data
 */
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
 * Deletes the maps and code caches of the build this one replaced, and those of any other build
 * older than an hour (left by concurrent first runs). Best effort: a run may still be using them.
 * @param {string} dir
 * @param {string | undefined} replaced
 */
function removeEarlierBuilds(dir, replaced) {
  try {
    for (const name of fs.readdirSync(dir)) {
      const build = /^cli(?:-[a-z]+)?\.([0-9a-z]+)\.(map|v8cache)$/.exec(name)?.[1];
      if (build === undefined) continue;
      const file = path.join(dir, name);
      if (build === replaced || Date.now() - fs.statSync(file).mtimeMs > 3_600_000) fs.rmSync(file, { force: true });
    }
  } catch {
    // Nothing to tidy.
  }
}

/**
 * The source files src/ passes to bundledProvider(), found as written at its call sites:
 * `bundledProvider(impl, path.join(__dirname, "provider.ts"), ...)`. One written otherwise is
 * simply built when the plan declares it, as without the bundle.
 * @param {string} root
 */
function providerSources(root) {
  /** @type {Set<string>} */
  const found = new Set();
  for (const dir of directoriesUnder(path.join(root, "src"))) {
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      const text = fs.readFileSync(path.join(dir, name), "utf8");
      for (const match of text.matchAll(/bundledProvider\([^,()]+,\s*path\.join\(__dirname,\s*"([^"]+)"\)/g)) found.add(path.join(dir, match[1] ?? ""));
    }
  }
  return [...found].filter((file) => fs.existsSync(file));
}

/**
 * Each dynamic provider's bundle, as bundledProvider() would build it at run time, with every
 * input recorded (stat'ed before esbuild reads it) for the freshness check. Only the plan's bundle
 * embeds them, and its stamp lists these inputs through its own graph: bundledProvider() takes the
 * provider's implementation, so the module calling it imports the provider's source.
 * @param {typeof import("esbuild")} esbuild
 * @param {string} root
 * @param {(file: string) => void} record
 * @returns {Promise<Map<string, string>>}
 */
async function buildProviders(esbuild, root, record) {
  /** @type {Map<string, string>} */
  const built = new Map();
  if (!fs.existsSync(path.join(root, BUNDLED_PROVIDERS))) return built;
  for (const file of providerSources(root)) {
    const result = await esbuild.build({ ...PROVIDER_BUILD_OPTIONS, entryPoints: [file], metafile: true, absWorkingDir: root });
    for (const input of Object.keys(result.metafile.inputs)) record(path.resolve(root, input));
    const output = result.outputFiles?.[0];
    if (output) built.set(file, output.text);
  }
  return built;
}

/** @param {string} file a path relative to the root */
const requireFromRoot = (file) => `require(${JSON.stringify(`./${file.split(path.sep).join("/")}`)})`;

/**
 * Each bundle's entry, by bundle name: the whole CLI (src/cli/main.ts), and each
 * command's own (COMMAND_BUNDLES), which runs a program of that module's commands alone. The
 * plan's also registers the Pulumi program for `oceanid plan`, which then runs with the plan
 * code's own modules and no TypeScript loader (src/plan/bundledPrograms.ts), and the dynamic
 * providers compiled ahead of time.
 * @param {string} root
 * @param {Map<string, string>} providers
 * @returns {Map<string, string>}
 */
function entries(root, providers) {
  const texts = new Map([[WHOLE_CLI, `module.exports = ${requireFromRoot(ENTRY)};`]]);
  const programLines = [...providers].map(([file, code]) => `${requireFromRoot(BUNDLED_PROVIDERS)}.prebuiltProviders.set(${JSON.stringify(file)}, ${JSON.stringify(code)});`);
  if (fs.existsSync(path.join(root, PROGRAM))) {
    programLines.push(`${requireFromRoot("src/plan/bundledPrograms.ts")}.bundledPrograms.set(${JSON.stringify(path.join(root, PROGRAM))}, () => ${requireFromRoot(PROGRAM)});`);
  }
  for (const own of COMMAND_BUNDLES) {
    const lines = [
      `const cli = ${requireFromRoot("src/cli/program.ts")};`,
      `const { ${own.register} } = ${requireFromRoot(own.module)};`,
      `module.exports = { main: (argv) => cli.runCommands([${own.register}], argv), useStackMapper: cli.useStackMapper };`,
      ...(own.program ? programLines : []),
    ];
    texts.set(bundleName(own.command), lines.join("\n"));
  }
  return texts;
}

/**
 * The bundle a start runs: its command's own, or the whole CLI's.
 * @param {string | undefined} command the first argument
 */
function bundleName(command) {
  return COMMAND_BUNDLES.some((own) => own.command === command) ? `cli-${command}` : WHOLE_CLI;
}

/**
 * Bundles the CLI (every bundle, in one esbuild run) and saves them when the cache is writable,
 * in place of build `replaced`. Returns each bundle by name: `{ text, stamp, map }`, the bundle
 * (stamp first) and a function giving its source map. A bundle's stamp records the files it was
 * built from, every directory under src/ and BUILD_SETTINGS.
 * @param {string} root
 * @param {string | undefined} replaced
 * @returns {Promise<Map<string, Bundle>>}
 */
async function build(root = ROOT, replaced = undefined) {
  /** @type {Map<string, StatKey>} */
  const recorded = new Map();
  /** @param {string} file */
  const record = (file) => {
    const rel = path.relative(root, file);
    if (!recorded.has(rel)) recorded.set(rel, statKey(file));
  };
  const always = [...directoriesUnder(path.join(root, "src")).map((dir) => path.relative(root, dir)), ...BUILD_SETTINGS];
  for (const rel of always) record(path.join(root, rel));

  const esbuild = require("esbuild");
  const dir = cacheDir(root);
  let texts;
  let result;
  try {
    texts = entries(root, await buildProviders(esbuild, root, record));
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [...texts.keys()].map((name) => ({ in: `${ENTRY_NAMESPACE}:${name}`, out: name })),
      outdir: dir,
      outExtension: { ".js": ".cjs" },
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      tsconfig: path.join(root, "tsconfig.json"),
      sourcemap: "external",
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: "silent",
      plugins: [plugin(root, record, texts)],
    });
  } finally {
    await esbuild.stop();
  }
  const buildId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  /** @param {string} file */
  const output = (file) => {
    const found = result.outputFiles.find((f) => f.path === file);
    if (!found) throw new Error(`esbuild wrote no ${file}`);
    return found.text;
  };
  /** @type {Map<string, Bundle>} */
  const bundles = new Map();
  let saved = true;
  for (const name of texts.keys()) {
    const file = path.join(dir, `${name}.cjs`);
    const inputs = new Set([...always, ...Object.keys(result.metafile.outputs[path.relative(root, file)]?.inputs ?? {})]);
    const stamp = { format: FORMAT, root, build: buildId, files: [...recorded].filter(([rel]) => inputs.has(rel)) };
    const text = `${HEADER}${asciiJson(stamp)}\n${asciiComments(output(file))}`;
    const map = output(`${file}.map`);
    // The map first: a bundle in place has its map.
    saved = writeAtomically(path.join(dir, `${name}.${buildId}.map`), map) && writeAtomically(file, text) && saved;
    bundles.set(name, { text, stamp, map: () => map });
  }
  if (saved) removeEarlierBuilds(dir, replaced);
  return bundles;
}

/**
 * A function that rewrites positions in the bundle (`file:line:column`) in a printed stack trace
 * to the source file, line and column they came from. Applied when a trace is printed, not as
 * Error.prepareStackTrace: the Pulumi SDK reads `new Error().stack` for every resource and promise
 * it creates, and mapping each of those cost the plan ~0.4 s. The map is read on first use.
 * @param {string} file
 * @param {() => string} readMap
 * @returns {(stack: string) => string}
 */
function stackMapper(file, readMap) {
  /** @type {import("node:module").SourceMap | null | undefined} */
  let sourceMap;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const position = new RegExp(`${escaped}:(\\d+):(\\d+)`, "g");
  return (stack) =>
    stack.replace(position, (text, line, column) => {
      if (sourceMap === null) return text;
      try {
        sourceMap ??= new (require("node:module").SourceMap)(JSON.parse(readMap()));
      } catch {
        sourceMap = null;
        return text;
      }
      // Line 1 of the file is the stamp, which esbuild's map does not know about.
      const entry = sourceMap.findEntry(Number(line) - 2, Number(column) - 1);
      if (!entry || !("originalSource" in entry) || !entry.originalSource) return text;
      return `${path.resolve(path.dirname(file), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
}

/**
 * Runs the bundle as the module `file`; its require() resolves packages as src/cli/main.ts would.
 * @param {Bundle} bundle
 * @param {string} file
 * @param {string} root
 * @returns {CliModule}
 */
function run(bundle, file, root) {
  const Module = require("node:module");
  const vm = require("node:vm");
  const dir = path.dirname(file);
  const cacheFile = path.join(dir, `${path.basename(file, ".cjs")}.${bundle.stamp.build}.v8cache`);
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
  const mod = new Module(file, /** @type {import("node:module")} */ (/** @type {unknown} */ (module)));
  mod.filename = file;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(path.join(root, ENTRY)), mod, file, dir);
  mod.loaded = true;
  /** @type {CliModule} */
  const cli = mod.exports;
  cli.useStackMapper(stackMapper(file, bundle.map));
  return cli;
}

/**
 * @param {string} root
 * @returns {CliModule}
 */
function fromSource(root) {
  require("tsx/cjs/api").register();
  return require(path.join(root, ENTRY));
}

/**
 * The bundle in the cache when it is fresh: every file it was built from is as recorded.
 * @param {string} file
 * @param {string} root
 * @returns {{ fresh: Bundle | undefined, replaced: string | undefined }} the fresh bundle, or the build id of the stale one
 */
function cachedBundle(file, root) {
  let text;
  try {
    // ASCII by construction (build()): read as one-byte text, twice as fast as decoding UTF-8.
    text = fs.readFileSync(file, "latin1");
  } catch {
    return { fresh: undefined, replaced: undefined };
  }
  const stamp = readStamp(text);
  if (!stamp || !isFresh(stamp, root)) return { fresh: undefined, replaced: stamp?.build };
  const map = path.join(path.dirname(file), `${path.basename(file, ".cjs")}.${stamp.build}.map`);
  return { fresh: { text, stamp, map: () => fs.readFileSync(map, "utf8") }, replaced: undefined };
}

/**
 * The CLI module (exports `main`) for a start whose first argument is `command`: from its
 * bundle when that is fresh, rebuilt (with every other bundle) when it is not.
 * @param {string | undefined} command
 * @param {string} root
 * @returns {Promise<CliModule>}
 */
async function loadCli(command, root = ROOT) {
  const name = bundleName(command);
  const file = path.join(cacheDir(root), `${name}.cjs`);
  const cached = cachedBundle(file, root);
  let bundle = cached.fresh;
  if (!bundle) {
    try {
      bundle = (await build(root, cached.replaced)).get(name);
    } catch {
      // No esbuild, or sources it cannot build: tsx gives the same result (or error) as before.
      return fromSource(root);
    }
  }
  return run(/** @type {Bundle} */ (bundle), file, root);
}

module.exports = { loadCli, build, isFresh, readStamp, BUNDLED_PACKAGES, COMMAND_BUNDLES, PROVIDER_BUILD_OPTIONS };
