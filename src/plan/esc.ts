import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

/** A value that ESC marks secret (`fn::secret`); secret-ness survives interpolation. */
export class SecretValue {
  constructor(readonly value: unknown) {}
}

export class EscError extends Error {}

/** Where to find the definition of an environment `<project>/<env>` imported by a stack. */
export type EnvironmentLocator = (reference: string) => string;

/** Environments are looked up as `esc/<project>/<env>.yaml` under the repo root. */
export const localEnvironments =
  (root: string): EnvironmentLocator =>
  (reference) =>
    path.join(root, "esc", `${reference.includes("/") ? reference : `default/${reference}`}.yaml`);

/**
 * Evaluates an ESC environment definition offline: `imports`, `values`, `${path}`
 * interpolation and `fn::secret`. A reference that does not resolve is left in the text as
 * written, so the config check reports it with every other problem of the stack at once
 * (under the key that holds it) instead of stopping at the first. Providers such as `fn::open::aws-login` only run inside
 * Pulumi ESC; for those, `esc env open ENV --format json` output is accepted instead.
 * Returns the environment's values with secrets wrapped in {@link SecretValue}.
 */
export function evaluateEnvironmentFile(file: string, locate: EnvironmentLocator, seen: string[] = []): Record<string, unknown> {
  if (seen.includes(file)) throw new EscError(`${file}: import cycle (${[...seen, file].join(" → ")})`);
  if (!fs.existsSync(file)) throw new EscError(`${file}: environment definition not found; create it (see esc/) or pass the environment with --esc-file`);
  const text = fs.readFileSync(file, "utf8");
  let doc: unknown;
  try {
    doc = file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new EscError(`${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new EscError(`${file}: expected a mapping with \`values:\` (an ESC definition) or the JSON of \`esc env open --format json\``);
  if (!("values" in doc) && !("imports" in doc)) {
    // `esc env open --format json` prints resolved values with secrets in plain text and no
    // markers; the config layer treats every credential key as secret whatever its source.
    return doc;
  }
  const imports = doc.imports ?? [];
  if (!Array.isArray(imports)) throw new EscError(`${file}: imports must be a list of environment names`);
  let merged: Record<string, unknown> = {};
  for (const reference of imports) {
    if (typeof reference !== "string") throw new EscError(`${file}: imports must be a list of environment names`);
    merged = mergeValues(merged, evaluateEnvironmentFile(locate(reference), locate, [...seen, file]));
  }
  const values = doc.values ?? {};
  if (!isObject(values)) throw new EscError(`${file}: values must be a mapping`);
  const raw = mergeValues(merged, values);
  return resolveNode(raw, raw, file, []) as Record<string, unknown>;
}

/** JSON-merge-patch style: objects merge key by key, anything else replaces. */
export function mergeValues(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const prior = out[key];
    out[key] = isObject(prior) && isObject(value) && !isFunctionCall(value) ? mergeValues(prior, value) : value;
  }
  return out;
}

function resolveNode(node: unknown, root: Record<string, unknown>, file: string, resolving: string[]): unknown {
  if (node instanceof SecretValue) return node;
  if (typeof node === "string") return interpolate(node, root, file, resolving);
  if (Array.isArray(node)) return node.map((item) => resolveNode(item, root, file, resolving));
  if (!isObject(node)) return node;
  if (isFunctionCall(node)) {
    const [fn] = Object.keys(node);
    if (fn === "fn::secret") return new SecretValue(unwrapSecrets(resolveNode(node[fn], root, file, resolving)));
    throw new EscError(
      `${file}: ${fn} is evaluated by Pulumi ESC and cannot run offline; pass the output of \`esc env open <org>/<project>/<env> --format json\` with --esc-file instead`,
    );
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveNode(v, root, file, resolving)]));
}

const INTERPOLATION = /\$\{([^}]+)\}/g;

function interpolate(text: string, root: Record<string, unknown>, file: string, resolving: string[]): unknown {
  const whole = /^\$\{([^}]+)\}$/.exec(text);
  if (whole) {
    const value = lookup(whole[1].trim(), root, file, resolving);
    return value === UNRESOLVED ? text : value;
  }
  let secret = false;
  const result = text.replace(INTERPOLATION, (written, reference: string) => {
    const value = lookup(reference.trim(), root, file, resolving);
    if (value === UNRESOLVED) return written;
    if (value instanceof SecretValue) secret = true;
    const plain = unwrapSecrets(value);
    return typeof plain === "string" ? plain : JSON.stringify(plain);
  });
  return secret ? new SecretValue(result) : result;
}

/** What lookup() returns for a reference with no value behind it. */
const UNRESOLVED = Symbol("unresolved");

function lookup(reference: string, root: Record<string, unknown>, file: string, resolving: string[]): unknown {
  if (resolving.includes(reference)) throw new EscError(`${file}: \${${reference}} refers to itself (${[...resolving, reference].join(" → ")})`);
  const segments = reference.match(/[^.[\]"]+/g) ?? [];
  let node: unknown = root;
  for (const segment of segments) {
    const container = node instanceof SecretValue ? node.value : node;
    if (Array.isArray(container) && /^\d+$/.test(segment)) node = container[Number(segment)];
    else if (isObject(container) && segment in container) node = container[segment];
    else return UNRESOLVED;
  }
  return resolveNode(node, root, file, [...resolving, reference]);
}

/** Replaces SecretValue wrappers by their contents (used once secret-ness has been recorded). */
export function unwrapSecrets(value: unknown): unknown {
  if (value instanceof SecretValue) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

export function containsSecret(value: unknown): boolean {
  if (value instanceof SecretValue) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (isObject(value)) return Object.values(value).some(containsSecret);
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof SecretValue);
}

function isFunctionCall(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0].startsWith("fn::");
}
