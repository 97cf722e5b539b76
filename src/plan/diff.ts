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
export function diffPlans(base: Plan, head: Plan): PlanDiff {
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
  return diff(before, after).map((d: Difference) => {
    const path = formatPath(d.path);
    if (d.type === "CREATE") return { kind: "add", path, after: d.value };
    if (d.type === "REMOVE") return { kind: "remove", path, before: d.oldValue };
    return { kind: "change", path, before: d.oldValue, after: d.value };
  });
}

function formatPath(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? `${i === 0 ? "" : "."}${p}` : `[${JSON.stringify(p)}]`)).join("");
}

const value = (v: unknown): string => (typeof v === "string" && !v.includes("\n") ? JSON.stringify(v) : v !== null && typeof v === "object" ? `\n${indent(toYaml(v), 10)}` : v === undefined ? "(none)" : typeof v === "string" ? `|\n${indent(v, 10)}` : String(v));

export function formatDiff(planDiff: PlanDiff, baseLabel: string): string {
  const { added, removed, modified, outputs, unchanged } = planDiff;
  const lines = [`Plan of ${planDiff.stack} against ${baseLabel}: ${added.length} to add, ${removed.length} to remove, ${modified.length} to change, ${unchanged} unchanged`];
  const inputLines = (changes: InputChange[]) =>
    changes.map((c) => (c.kind === "add" ? `    + ${c.path}: ${value(c.after)}` : c.kind === "remove" ? `    - ${c.path}: ${value(c.before)}` : `    ~ ${c.path}: ${value(c.before)} → ${value(c.after)}`));
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
