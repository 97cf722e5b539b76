import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main";
import { PROVIDER_BUILD_OPTIONS } from "../../src/dynamicProviders/bundled";
import { runCli } from "../harness/cli";
import { createDatabase } from "../harness/postgres";
import { REPO_MIGRATIONS } from "../migrations/fixtures";

// bin/oceanid.cjs runs the CLI from esbuild bundles it keeps fresh, one per command (bin/cli-bundle.cjs).
// Each test works on its own copy of the repository (bin/, src/, package.json, tsconfig.json;
// node_modules linked) with its own cache directory, and runs the real bin in a child process.

const repoRoot = path.resolve(__dirname, "..", "..");
const HEADER = "// oceanid-cli-bundle ";
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function temporaryDirectory(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

interface Copy {
  root: string;
  cache: string;
  /** The bundle `oceanid migrate` runs. */
  bundle: string;
  run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** The stamp of a bundle (default migrate's), or undefined when there is no such bundle. */
  stamp(name?: string): { build: string; files: Array<[string, unknown]> } | undefined;
  /** The build id in a bundle's stamp (default migrate's), or undefined when there is no such bundle. */
  build(name?: string): string | undefined;
}

interface CommandBundle {
  command: string;
  module: string;
  register: string;
}
const { COMMAND_BUNDLES } = require(path.join(repoRoot, "bin", "cli-bundle.cjs")) as { COMMAND_BUNDLES: CommandBundle[] };

const CLI_FILES = ["bin", "src", "package.json", "tsconfig.json"];
const PROJECT_FILES = [...CLI_FILES, "index.ts", "sql", "esc", "Pulumi.yaml", "Pulumi.prod.yaml"];

function copyOfRepository(cache?: string, entries = CLI_FILES, prefix = "oceanid-bundle-"): Copy {
  const root = temporaryDirectory(prefix);
  for (const entry of entries) fs.cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  const cacheDir = cache ?? path.join(root, "cache");
  const stamp = (name = "cli-migrate") => {
    const file = path.join(cacheDir, `${name}.cjs`);
    if (!fs.existsSync(file)) return undefined;
    const text = fs.readFileSync(file, "utf8");
    expect(text.startsWith(HEADER)).toBe(true);
    return JSON.parse(text.slice(HEADER.length, text.indexOf("\n"))) as { build: string; files: Array<[string, unknown]> };
  };
  return {
    root,
    cache: cacheDir,
    bundle: path.join(cacheDir, "cli-migrate.cjs"),
    run: (args) => runCli(args, { root, env: { OCEANID_CLI_CACHE: cacheDir } }),
    stamp,
    build: (name) => stamp(name)?.build,
  };
}

/** Rewrites the `migrate` command's description in the copy's source, keeping or setting its mtime. */
function describeMigrate(copy: Copy, description: string, mtime?: Date): void {
  const file = path.join(copy.root, "src", "migrations", "command.ts");
  const text = fs.readFileSync(file, "utf8").replace(/\.description\("(Apply sql\/migrations[^"]*|DESCRIPTION [^"]*)"\)/, `.description("${description}")`);
  fs.writeFileSync(file, text);
  if (mtime) fs.utimesSync(file, mtime, mtime);
}

const helpOfMigrate = async (copy: Copy) => {
  const run = await copy.run(["migrate", "--help"]);
  expect(run).toMatchObject({ status: 0, stderr: "" });
  return run.stdout;
};

describe("bin/oceanid.cjs runs the CLI from bundles of src/", () => {
  it("builds it on the first run and reuses it, with its code cache, while nothing changed", async () => {
    const copy = copyOfRepository();
    expect(await helpOfMigrate(copy)).toContain("Apply sql/migrations to the cleandata database");
    const build = copy.build();
    expect(build).toMatch(/^[0-9a-z]+$/);
    const before = fs.statSync(copy.bundle);
    // Every bundle with its map, and the code cache of the one that ran.
    const bundles = ["cli", ...COMMAND_BUNDLES.map((own) => `cli-${own.command}`)];
    expect(fs.readdirSync(copy.cache).sort()).toEqual([...bundles.flatMap((name) => [`${name}.cjs`, `${name}.${build}.map`]), `cli-migrate.${build}.v8cache`].sort());

    expect(await helpOfMigrate(copy)).toContain("Apply sql/migrations to the cleandata database");
    const after = fs.statSync(copy.bundle);
    expect({ build: copy.build(), ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ build, ino: before.ino, mtimeMs: before.mtimeMs });
    // pg's Cloudflare check (which loads Node's fetch) is compiled out; if this fails after a pg
    // upgrade, update the patch in bin/cli-bundle.cjs.
    expect(fs.readFileSync(copy.bundle, "utf8")).not.toContain("isCloudflareRuntime()");
  });

  it("gives each command a bundle of its own, holding only what it runs; any other start runs the whole CLI", async () => {
    // The list in bin/cli-bundle.cjs: every command src/cli/main.ts registers, in order, each with the export that registers it.
    expect(COMMAND_BUNDLES.map((own) => own.command)).toEqual(buildProgram().commands.map((c) => c.name()));
    for (const own of COMMAND_BUNDLES) {
      const program = new Command();
      ((await import(path.join(repoRoot, own.module))) as Record<string, (p: Command) => void>)[own.register]!(program);
      expect(program.commands.map((c) => c.name())).toEqual([own.command]);
    }

    const copy = copyOfRepository(undefined, PROJECT_FILES);
    await helpOfMigrate(copy);
    const build = copy.build();
    // migrate's bundle holds no other command's module, and its stamp lists what it was built from.
    const migrateFiles = copy.stamp()!.files.map(([rel]) => rel);
    expect(migrateFiles).toContain(path.join("src", "migrations", "runner.ts"));
    for (const own of COMMAND_BUNDLES.filter((o) => o.command !== "migrate")) expect(migrateFiles).not.toContain(own.module);
    expect(migrateFiles).not.toContain(path.join("src", "plan", "plan.ts"));
    expect(fs.statSync(copy.bundle).size).toBeLessThan(fs.statSync(path.join(copy.cache, "cli-plan.cjs")).size / 1.5);

    // Each start runs its own bundle, compiled from its own code cache.
    const ran = () => fs.readdirSync(copy.cache).filter((f) => f.endsWith(".v8cache")).sort();
    expect(ran()).toEqual([`cli-migrate.${build}.v8cache`]);
    const provision = await copy.run(["provision", "--help"]);
    expect(provision).toMatchObject({ status: 0, stderr: "" });
    expect(ran()).toEqual([`cli-migrate.${build}.v8cache`, `cli-provision.${build}.v8cache`]);
    const whole = await copy.run(["--help"]);
    expect(whole.status).toBe(0);
    for (const own of COMMAND_BUNDLES) expect(whole.stdout).toContain(`  ${own.command} `);
    expect(ran()).toContain(`cli.${build}.v8cache`);

    // A change to code only the plan runs leaves migrate's bundle fresh, and rebuilds the plan's.
    const planOnly = path.join(copy.root, "src", "plan", "plan.ts");
    fs.appendFileSync(planOnly, "\n// changed\n");
    await helpOfMigrate(copy);
    expect(copy.build()).toBe(build);
    expect((await copy.run(["plan", "--help"])).status).toBe(0);
    const rebuilt = copy.build("cli-plan");
    expect(rebuilt).not.toBe(build);
    // So does a change to a dynamic provider, which the plan's bundle holds compiled ahead of time.
    fs.appendFileSync(path.join(copy.root, "src", "crunchyBridge", "provider.ts"), "\n// changed\n");
    expect((await copy.run(["plan", "--help"])).status).toBe(0);
    expect(copy.build("cli-plan")).not.toBe(rebuilt);
  });

  it("writes the bundle as ASCII, which a start reads as one-byte text, also from a checkout whose path is not", async () => {
    const copy = copyOfRepository(undefined, CLI_FILES, "oceanid-bündel-Ωmega-");
    // A string with non-ASCII text in the sources (the copy's own path) and a comment with some.
    const file = path.join(copy.root, "src", "migrations", "command.ts");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/\.description\("Apply sql\/migrations/, '.description("Apply — ü sql/migrations') + "\n// comment — ü 🐟\n");
    expect(await helpOfMigrate(copy)).toContain("Apply — ü sql/migrations to the cleandata database");
    const bytes = fs.readFileSync(copy.bundle);
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
    const stamp = JSON.parse(bytes.toString("latin1").slice(HEADER.length, bytes.indexOf("\n"))) as { root: string };
    expect(stamp.root).toBe(copy.root);
    // A second start finds it fresh (its stamp names this very path) and runs it as written.
    const build = copy.build();
    expect(await helpOfMigrate(copy)).toContain("Apply — ü sql/migrations to the cleandata database");
    expect(copy.build()).toBe(build);
  });

  it("never runs a stale bundle: a changed source rebuilds it, whether its mtime moved forward or back", async () => {
    const copy = copyOfRepository();
    await helpOfMigrate(copy);
    const first = copy.build();

    describeMigrate(copy, "DESCRIPTION one");
    expect(await helpOfMigrate(copy)).toContain("DESCRIPTION one");
    const second = copy.build();
    expect(second).not.toBe(first);
    // The replaced build's map and code cache are gone.
    expect(fs.readdirSync(copy.cache).filter((f) => f.includes(first!))).toEqual([]);

    // Older than the bundle (a checkout or copy that keeps mtimes): still a difference.
    describeMigrate(copy, "DESCRIPTION two", new Date("2001-01-01T00:00:00Z"));
    expect(await helpOfMigrate(copy)).toContain("DESCRIPTION two");
    expect(copy.build()).not.toBe(second);
  });

  it("rebuilds when a file appears under src/, or when the cached file is not a bundle of this copy", async () => {
    const copy = copyOfRepository();
    await helpOfMigrate(copy);
    const first = copy.build();
    fs.writeFileSync(path.join(copy.root, "src", "migrations", "new-helper.ts"), "export const x = 1;\n");
    await helpOfMigrate(copy);
    expect(copy.build()).not.toBe(first);

    // A bundle whose stamp matches every file but names another checkout: not used.
    const text = fs.readFileSync(copy.bundle, "utf8");
    const stale = text.replace(`"root":${JSON.stringify(copy.root)}`, `"root":"/elsewhere"`).replace("Apply sql/migrations to the cleandata database", "STALE");
    fs.writeFileSync(copy.bundle, stale);
    expect(await helpOfMigrate(copy)).toContain("Apply sql/migrations to the cleandata database");

    fs.writeFileSync(copy.bundle, "module.exports = { main() { console.log('STALE'); } };\n");
    expect(await helpOfMigrate(copy)).toContain("Apply sql/migrations to the cleandata database");
  });

  it("survives concurrent first runs: every run works and the cache holds one whole bundle", async () => {
    const copy = copyOfRepository();
    const runs = await Promise.all(Array.from({ length: 4 }, () => copy.run(["migrate", "--help"])));
    for (const run of runs) expect({ status: run.status, stderr: run.stderr, help: run.stdout.includes("Apply sql/migrations") }).toEqual({ status: 0, stderr: "", help: true });
    const build = copy.build();
    expect(fs.readdirSync(copy.cache).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(fs.existsSync(path.join(copy.cache, `cli-migrate.${build}.map`))).toBe(true);
    // And that bundle is fresh: the next run keeps it.
    await helpOfMigrate(copy);
    expect(copy.build()).toBe(build);
  });

  it("runs from memory when the cache cannot be written", async () => {
    const blocked = path.join(temporaryDirectory("oceanid-cache-"), "a-file");
    fs.writeFileSync(blocked, "");
    const copy = copyOfRepository(path.join(blocked, "cache"));
    expect(await helpOfMigrate(copy)).toContain("Apply sql/migrations to the cleandata database");
    expect(copy.build()).toBeUndefined();
  });

  it("prints stack traces with the TypeScript file and line", async () => {
    const copy = copyOfRepository();
    const file = path.join(copy.root, "src", "migrations", "command.ts");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((l) => l.startsWith("async function runMigrate("));
    lines.splice(at + 1, 0, '  if (flags.domain === "boom") throw new Error("boom");');
    fs.writeFileSync(file, lines.join("\n"));
    const run = await copy.run(["migrate", "--domain", "boom", "--database-url", "postgresql://u@127.0.0.1:1/cleandata"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`oceanid: unexpected error (this is a bug in oceanid, please report it with the trace below)\nError: boom\n    at runMigrate (${file}:${at + 2}:`);
  });

  it("runs `oceanid plan` with the program in the bundle, planning what tsx plans from source", async () => {
    const copy = copyOfRepository(undefined, PROJECT_FILES);
    const bundled = await copy.run(["plan", "--stack", "prod", "--json"]);
    expect(bundled.stderr).toBe("");
    expect(bundled.status).toBe(0);
    const map = fs.readFileSync(path.join(copy.cache, `cli-plan.${copy.build("cli-plan")}.map`), "utf8");
    expect((JSON.parse(map) as { sources: string[] }).sources.map((s) => path.resolve(copy.cache, s))).toContain(path.join(copy.root, "index.ts"));

    // The dynamic providers are compiled ahead of time, with bundledProvider()'s own options.
    const bundleText = fs.readFileSync(path.join(copy.cache, "cli-plan.cjs"), "utf8");
    for (const area of ["crunchyBridge", "migrations", "labelStudioStorage"]) {
      expect(bundleText).toContain(`.prebuiltProviders.set(${JSON.stringify(path.join(copy.root, "src", area, "provider.ts"))}, `);
    }
    expect((require(path.join(repoRoot, "bin", "cli-bundle.cjs")) as { PROVIDER_BUILD_OPTIONS: unknown }).PROVIDER_BUILD_OPTIONS).toEqual(PROVIDER_BUILD_OPTIONS);

    // The same program from source: another --program path is require()d through tsx.
    fs.copyFileSync(path.join(copy.root, "index.ts"), path.join(copy.root, "program-copy.ts"));
    const fromSource = await copy.run(["plan", "--stack", "prod", "--json", "--program", "program-copy.ts"]);
    expect(fromSource.status).toBe(0);
    // Only the dynamic providers' serialized loaders differ (compiled by esbuild vs tsx).
    const inputsOf = (text: string) => text.replace(/"\[dynamic provider sha256:[0-9a-f]+\]"/g, '"[provider]"');
    expect(inputsOf(fromSource.stdout)).toBe(inputsOf(bundled.stdout));
  });

  it("rebuilds when index.ts appears or changes", async () => {
    const copy = copyOfRepository(undefined, CLI_FILES);
    await helpOfMigrate(copy);
    const first = copy.build();
    fs.copyFileSync(path.join(repoRoot, "index.ts"), path.join(copy.root, "index.ts"));
    await helpOfMigrate(copy);
    expect(copy.build()).not.toBe(first);
  });

  it("defers the builtins bundled packages load for paths oceanid never takes: child_process (commander), dns (pg)", async () => {
    // A preload that prints, at exit, the builtins the process loaded.
    const preload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-preload-")), "builtins-at-exit.cjs");
    fs.writeFileSync(preload, `process.on("exit", () => process.stderr.write("builtins: " + process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13)).join(" ") + "\\n"));`);
    const builtins = async (args: string[], env: Record<string, string> = {}) => {
      const run = await runCli(args, { env: { ...env, NODE_OPTIONS: `--require ${preload}` } });
      return run.stderr.match(/^builtins: (.*)$/m)![1]!.split(" ");
    };
    // A start that builds the bundle runs esbuild, which spawns its service: build first.
    expect((await runCli(["migrate", "--help"])).status).toBe(0);
    expect(await builtins(["migrate", "--help"])).not.toContain("child_process");
    // A whole migration over TLS: pg connects, authenticates and queries without either.
    const url = await createDatabase("deferred");
    const migrated = await builtins(["migrate", "--database-url", url, "--dir", REPO_MIGRATIONS]);
    expect(migrated).toContain("tls");
    expect(migrated.filter((name) => ["child_process", "dns"].includes(name))).toEqual([]);
    // The same bundle still spawns when asked: kubectl, for `oceanid smoke`, here not on PATH.
    expect(await builtins(["smoke", "egress", "--expected-ip", "203.0.113.7"], { PATH: "/nonexistent" })).toContain("child_process");
  });
});
