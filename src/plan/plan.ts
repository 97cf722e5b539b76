import * as path from "node:path";
import * as YAML from "yaml";
import { parseConfig } from "../config";
import { bundledPrograms } from "./bundledPrograms";
import { runUnderMocks, type RegisteredResource } from "./mockRuntime";
import { resolveStackConfig, type StackConfigSource } from "./stackConfig";

export interface PlanOptions extends StackConfigSource {
  /** Program entry point, relative to root (default index.ts). */
  program?: string;
  showSecrets?: boolean;
}

export interface Plan {
  stack: string;
  resources: RegisteredResource[];
  /** What the program logged with pulumi.log.warn (config deprecations, skipped bucket settings). */
  warnings: string[];
  outputs: Record<string, unknown>;
  /** Present (true) only when the plan holds secret values in plain text (--show-secrets). */
  secretsShown?: true;
}

/**
 * The offline plan: resolves the stack's config from its stack file and ESC environments,
 * runs the real program under Pulumi's mock engine and returns what a preview would register.
 * Config problems surface as a ConfigError listing them all.
 */
export async function runPlan(options: PlanOptions): Promise<Plan> {
  const raw = resolveStackConfig(options);
  // Validate before the program runs: a ConfigError thrown inside the mock engine's stack
  // callback would surface as an unhandled rejection with a stack trace, not as a problem list.
  parseConfig(raw);
  const programPath = path.resolve(options.root, options.program ?? "index.ts");
  const { resources, warnings, outputs } = await runUnderMocks(
    { project: raw.project, stack: raw.stack, config: raw.values, secretKeys: raw.secretKeys, showSecrets: options.showSecrets },
    () => loadProgram(programPath),
  );
  return { stack: raw.stack, resources, warnings, outputs, ...(options.showSecrets ? { secretsShown: true as const } : {}) };
}

/** Runs the program module: from the CLI bundle when it is there, else require()d as `pulumi up` does. */
function loadProgram(file: string): unknown {
  const bundled = bundledPrograms.get(file);
  if (bundled) return bundled();
  // TypeScript needs a loader; under tsx (the CLI from source) it is registered already.
  if (/\.[cm]?ts$/.test(file) && !require.extensions[".ts"]) require("tsx/cjs");
  return require(file) as unknown;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * What a reviewer reads first: how many resources of which type each top-level component
 * registers, and the warnings. Resources the stack registers directly are listed under the stack.
 */
export function formatSummary(plan: Plan): string {
  const stack = plan.resources.find((r) => r.type === STACK_TYPE);
  // A component is a resource others name as their parent; a custom resource of the stack's own
  // (a provider, a dynamic resource) is counted under the stack.
  const parents = new Set(plan.resources.map((r) => parentOf(plan, r)));
  const topLevel = (resource: RegisteredResource): RegisteredResource | undefined => {
    let current = resource;
    for (let parent = parentOf(plan, current); parent && parent !== stack; parent = parentOf(plan, current)) current = parent;
    return current === resource && !parents.has(resource) ? undefined : current;
  };
  const groups = new Map<RegisteredResource | undefined, Map<string, number>>();
  for (const resource of plan.resources) {
    if (resource === stack) continue;
    const group = topLevel(resource);
    // A component itself is its group's heading, not one of its resources.
    if (group === resource) {
      if (!groups.has(group)) groups.set(group, new Map());
      continue;
    }
    const counts = groups.get(group) ?? new Map<string, number>();
    counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    groups.set(group, counts);
  }
  const lines = [`Stack ${plan.stack}: ${plan.resources.length} resources, ${plan.warnings.length} warning${plan.warnings.length === 1 ? "" : "s"}`, ""];
  const ordered = [...groups].sort(([a], [b]) => (a === undefined ? -1 : b === undefined ? 1 : a.name.localeCompare(b.name)));
  for (const [group, counts] of ordered) {
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    lines.push(group === undefined ? `${stack?.name ?? plan.stack} (the stack itself): ${total}` : `${group.name} (${group.type}): ${total}`);
    for (const [type, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${String(count).padStart(3)}  ${type}`);
  }
  if (plan.warnings.length > 0) lines.push("", "Warnings:", ...plan.warnings.map((w) => `  - ${w}`));
  return lines.join("\n");
}

/** The resource a resource's parent name points at: a component or the stack, never a provider. */
function parentOf(plan: Plan, resource: RegisteredResource): RegisteredResource | undefined {
  if (resource.parent === null) return undefined;
  return plan.resources.find((r) => r.name === resource.parent && r.provider === null && !r.type.startsWith("pulumi:providers:") && r !== resource);
}

/** The full listing: one block per resource, inputs as YAML with sorted keys. */
export function formatPlan(plan: Plan): string {
  const lines = [`Stack ${plan.stack}: ${plan.resources.length} resources`, ""];
  for (const resource of plan.resources) {
    lines.push(`+ ${resource.type} ${resource.name}${resource.parent ? `  (parent: ${resource.parent})` : ""}`);
    if (Object.keys(resource.inputs).length > 0) lines.push(indent(toYaml(resource.inputs), 4));
  }
  lines.push("Outputs:", indent(toYaml(plan.outputs), 4));
  if (plan.warnings.length > 0) lines.push("Warnings:", ...plan.warnings.map((w) => `  - ${w}`));
  return lines.join("\n");
}

export function toYaml(value: unknown): string {
  return YAML.stringify(value, { sortMapEntries: true, lineWidth: 0 });
}

export function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .trimEnd()
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}
