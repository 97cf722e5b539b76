import diff, { type Difference } from "microdiff";
import type { RegisteredResource } from "./mockRuntime";
import { indent, toYaml, type Plan } from "./plan";

export interface ResourceChange {
  type: string;
  name: string;
  /** Input by input, with paths such as spec.template.spec.containers[0].image. */
  inputs: InputChange[];
}

export interface InputChange {
  kind: "add" | "remove" | "change";
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface PlanDiff {
  stack: string;
  added: RegisteredResource[];
  removed: RegisteredResource[];
  modified: ResourceChange[];
  outputs: InputChange[];
  unchanged: number;
}

/**
 * What a change does to the plan: resources added and removed (by type and name, as Pulumi's URN
 * identifies them), and for the rest every input that was added, removed or changed. Both plans
 * are masked plans: a secret shows as [secret] on either side and is never compared.
 */
export function diffPlans(basePlan: Plan, headPlan: Plan): PlanDiff {
  // Compared as JSON, the form a saved plan has (an output that is undefined is no output).
  const [base, head] = [basePlan, headPlan].map((p) => JSON.parse(JSON.stringify(p)) as Plan);
  const before = byIdentity(base.resources);
  const after = byIdentity(head.resources);
  const modified: ResourceChange[] = [];
  let unchanged = 0;
  for (const [key, resource] of after) {
    const old = before.get(key);
    if (!old) continue;
    const inputs = inputChanges(old.inputs, resource.inputs);
    if (old.parent !== resource.parent) inputs.unshift({ kind: "change", path: "(parent)", before: old.parent, after: resource.parent });
    if (inputs.length > 0) modified.push({ type: resource.type, name: resource.name, inputs });
    else unchanged += 1;
  }
  return {
    stack: head.stack,
    added: [...after].filter(([key]) => !before.has(key)).map(([, r]) => r),
    removed: [...before].filter(([key]) => !after.has(key)).map(([, r]) => r),
    modified,
    outputs: inputChanges(base.outputs, head.outputs),
    unchanged,
  };
}

function byIdentity(resources: RegisteredResource[]): Map<string, RegisteredResource> {
  const map = new Map<string, RegisteredResource>();
  for (const resource of resources) {
    const key = `${resource.type}::${resource.name}`;
    // Same type and name under two parents: Pulumi tells them apart by the parent's type chain.
    map.set(map.has(key) ? `${key}::${resource.parent ?? ""}` : key, resource);
  }
  return map;
}

function inputChanges(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
  const changes: InputChange[] = [];
  const listed = new Set<string>();
  for (const d of diff(before, after) as Difference[]) {
    // A list of plain values (a command line, a list of CIDRs) reads best as one change of the
    // whole list, not as one line per shifted element.
    const list = plainListPath(before, after, d.path);
    if (list) {
      const path = formatPath(list);
      if (!listed.has(path)) changes.push({ kind: "change", path, before: valueAt(before, list), after: valueAt(after, list) });
      listed.add(path);
      continue;
    }
    const path = formatPath(d.path);
    if (d.type === "CREATE") changes.push({ kind: "add", path, after: d.value });
    else if (d.type === "REMOVE") changes.push({ kind: "remove", path, before: d.oldValue });
    else changes.push({ kind: "change", path, before: d.oldValue, after: d.value });
  }
  return changes;
}

/** The path of the list of plain values that `path` goes through, if any. */
function plainListPath(before: unknown, after: unknown, path: Array<string | number>): Array<string | number> | undefined {
  for (let i = 0; i < path.length; i++) {
    if (typeof path[i] !== "number") continue;
    const prefix = path.slice(0, i);
    const lists = [valueAt(before, prefix), valueAt(after, prefix)].filter(Array.isArray);
    if (lists.length > 0 && lists.every((l) => l.every((item) => item === null || typeof item !== "object"))) return prefix;
  }
  return undefined;
}

function valueAt(root: unknown, path: Array<string | number>): unknown {
  let node = root;
  for (const segment of path) node = node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

function formatPath(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? `${i === 0 ? "" : "."}${p}` : `[${JSON.stringify(p)}]`)).join("");
}

/** A value on one line when it fits there, else as an indented YAML block (a leading newline). */
function render(v: unknown, depth: number): string {
  if (v === undefined) return "(none)";
  if (typeof v === "string" && !v.includes("\n")) return JSON.stringify(v);
  if (v === null || typeof v !== "object") return typeof v === "string" ? `|\n${indent(v, depth)}` : String(v);
  return `\n${indent(toYaml(v), depth)}`;
}

function inputLines(changes: InputChange[]): string[] {
  return changes.flatMap((c) => {
    const line = (sign: string, text: string) => `    ${sign} ${c.path}:${text.startsWith("\n") ? "" : " "}${text}`;
    if (c.kind === "add") return [line("+", render(c.after, 8))];
    if (c.kind === "remove") return [line("-", render(c.before, 8))];
    const [before, after] = [render(c.before, 10), render(c.after, 10)];
    if (!before.includes("\n") && !after.includes("\n")) return [`    ~ ${c.path}: ${before} → ${after}`];
    const field = (name: string, text: string) => `        ${name}:${text.startsWith("\n") ? "" : " "}${text}`;
    return [`    ~ ${c.path}:`, field("before", before), field("after", after)];
  });
}

export function formatDiff(planDiff: PlanDiff, baseLabel: string): string {
  const { added, removed, modified, outputs, unchanged } = planDiff;
  const lines = [`Plan of ${planDiff.stack} against ${baseLabel}: ${added.length} to add, ${removed.length} to remove, ${modified.length} to change, ${unchanged} unchanged`];
  for (const r of added) {
    lines.push("", `+ ${r.type} ${r.name}${r.parent ? `  (parent: ${r.parent})` : ""}`);
    if (Object.keys(r.inputs).length > 0) lines.push(indent(toYaml(r.inputs), 4));
  }
  for (const r of removed) lines.push("", `- ${r.type} ${r.name}${r.parent ? `  (parent: ${r.parent})` : ""}`);
  for (const r of modified) lines.push("", `~ ${r.type} ${r.name}`, ...inputLines(r.inputs));
  if (outputs.length > 0) lines.push("", "Outputs:", ...inputLines(outputs));
  if (added.length + removed.length + modified.length + outputs.length === 0) lines.push("", "No changes.");
  return lines.join("\n");
}
