import type * as pulumi from "@pulumi/pulumi";

type Provider = pulumi.dynamic.ResourceProvider;
type Method = keyof Provider;

const METHODS: Method[] = ["configure", "check", "diff", "create", "read", "update", "delete"];

const providers = new Map<string, Provider>();

/**
 * Provider bundles compiled ahead of time, by source file: bin/cli-bundle.cjs builds them with
 * PROVIDER_BUILD_OPTIONS when it bundles the CLI, so `oceanid plan` starts no esbuild process.
 */
export const prebuiltProviders = new Map<string, string>();

/** How a provider's source file is bundled (here, or ahead of time by bin/cli-bundle.cjs). */
export const PROVIDER_BUILD_OPTIONS = { bundle: true, platform: "node", format: "cjs", target: "node20", packages: "external", write: false, logLevel: "silent" } as const;

/**
 * `implementation`, the dynamic provider exported as `exportName` by `sourceFile`, carried to the provider host as
 * one esbuild bundle (a string) that a small loader evaluates there, instead of as the captured
 * closures of its functions.
 *
 * Why: Pulumi serializes a captured provider function by function and parses each one; this
 * stack's three providers cost ~0.7 s of every preview that way, where a string costs ~10 ms.
 * The bundle is also the module exactly as compiled, so Error subclasses, Sets and module state
 * behave as in the source. npm packages stay external: the host require()s them from the
 * project's node_modules, as a closure's require() calls do.
 *
 * One provider object per (file, export), so Pulumi's per-provider serialization cache applies
 * across resources.
 */
export function bundledProvider<P extends Provider>(implementation: P, sourceFile: string, exportName: string): P {
  const key = `${sourceFile}#${exportName}`;
  const cached = providers.get(key);
  if (cached) return cached as P;

  const code = prebuiltProviders.get(sourceFile) ?? buildProvider(sourceFile);
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const id = `${exportName}@${createHash("sha256").update(code).digest("hex").slice(0, 16)}`;
  // Methods may live on a class prototype, so ask `in`, not Object.keys.
  const provider = loaderProvider(code, id, exportName, METHODS.filter((method) => typeof implementation[method] === "function"));
  providers.set(key, provider);
  return provider as P;
}

function buildProvider(sourceFile: string): string {
  // Loaded only when a dynamic resource is declared.
  const esbuild = require("esbuild") as typeof import("esbuild");
  return esbuild.buildSync({ ...PROVIDER_BUILD_OPTIONS, entryPoints: [sourceFile] }).outputFiles[0].text;
}

/**
 * A provider whose methods evaluate `code` once per process and delegate to its export. The
 * evaluated module lives on globalThis under `id`: the serializer gives every method its own copy
 * of captured variables, and configure() must set up the same module instance create() uses.
 * Only the implementation's methods are defined: the host treats a missing method (diff,
 * read...) differently from one that returns nothing.
 */
function loaderProvider(code: string, id: string, exportName: string, methods: Method[]): Provider {
  const load = (): Record<string, (...args: unknown[]) => unknown> => {
    const registry = ((globalThis as { __oceanidProviders?: Record<string, unknown> }).__oceanidProviders ??= {});
    if (!registry[id]) {
      const module = { exports: {} as Record<string, unknown> };
      new Function("module", "exports", "require", code)(module, module.exports, require);
      registry[id] = module.exports[exportName];
    }
    return registry[id] as Record<string, (...args: unknown[]) => unknown>;
  };
  const provider: Record<string, (...args: unknown[]) => unknown> = {};
  for (const method of methods) provider[method] = (...args: unknown[]) => load()[method](...args);
  return provider as unknown as Provider;
}
