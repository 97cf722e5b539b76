import * as path from "node:path";
import * as YAML from "yaml";
import { parseConfig } from "../config";
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
  outputs: Record<string, unknown>;
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
  const { resources, outputs } = await runUnderMocks(
    { project: raw.project, stack: raw.stack, config: raw.values, secretKeys: raw.secretKeys, showSecrets: options.showSecrets },
    // require(), as `pulumi up` loads the program.
    () => require(programPath) as unknown,
  );
  return { stack: raw.stack, resources, outputs };
}

/** Human-readable rendering: one block per resource, inputs as YAML with sorted keys. */
export function formatPlan(plan: Plan): string {
  const lines = [`Stack ${plan.stack}: ${plan.resources.length} resources`, ""];
  for (const resource of plan.resources) {
    lines.push(`+ ${resource.type} ${resource.name}${resource.parent ? `  (parent: ${resource.parent})` : ""}`);
    if (Object.keys(resource.inputs).length > 0) lines.push(indent(YAML.stringify(resource.inputs, { sortMapEntries: true, lineWidth: 0 }), 4));
  }
  lines.push("Outputs:", indent(YAML.stringify(plan.outputs, { sortMapEntries: true, lineWidth: 0 }), 4));
  return lines.join("\n");
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .trimEnd()
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}
