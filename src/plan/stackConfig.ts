import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { CONFIG_KEYS, type ConfigKeySpec, type RawConfig } from "../config";
import { containsSecret, EscError, evaluateEnvironmentFile, localEnvironments, mergeValues, unwrapSecrets } from "./esc";

export interface StackConfigSource {
  /** Repository root holding Pulumi.yaml, Pulumi.<stack>.yaml and esc/. */
  root: string;
  stack: string;
  /** ESC definitions or `esc env open --format json` files used instead of the stack's imports. */
  envFiles?: string[];
}

/**
 * Resolves a stack's config the way the Pulumi CLI does, offline: the stack file's imported
 * ESC environments merged in order (later wins), their `pulumiConfig` put in the project
 * namespace, then the stack file's own `config:` on top, and last the project's own config
 * (Pulumi.yaml `config:`) for every key still unset: its `value`, else its `default`, in plain
 * text, as the engine fills them into the program's config.
 */
export function resolveStackConfig(source: StackConfigSource): RawConfig {
  const project = readProjectName(source.root);
  const stackFile = path.join(source.root, `Pulumi.${source.stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const stacks = fs.readdirSync(source.root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
    throw new EscError(`${path.basename(stackFile)} not found; known stacks: ${stacks.join(", ") || "none"} (add Pulumi.${source.stack}.yaml importing its ESC environment)`);
  }
  const stackDoc = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { environment?: unknown; config?: Record<string, unknown> };
  const locate = localEnvironments(source.root);
  const envFiles = source.envFiles && source.envFiles.length > 0 ? source.envFiles.map((f) => path.resolve(f)) : importedEnvironments(stackDoc.environment, stackFile).map(locate);

  let values: Record<string, unknown> = {};
  for (const file of envFiles) values = mergeValues(values, evaluateEnvironmentFile(file, locate));

  const fromPlainJson = new Set(envFiles.filter((f) => f.endsWith(".json")));
  const pulumiConfig = values.pulumiConfig ?? {};
  if (typeof pulumiConfig !== "object" || Array.isArray(pulumiConfig)) throw new EscError(`values.pulumiConfig must be a mapping (in ${envFiles.join(", ")})`);

  const raw: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const put = (key: string, value: unknown, secret: boolean) => {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    const plain = unwrapSecrets(value);
    raw[fullKey] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (secret) secretKeys.add(fullKey);
    else secretKeys.delete(fullKey);
  };
  for (const [key, value] of Object.entries(pulumiConfig as Record<string, unknown>)) {
    // `esc env open --format json` drops secret markers: trust the schema's credential flags there.
    const credential = (CONFIG_KEYS as Record<string, ConfigKeySpec>)[key.replace(`${project}:`, "")]?.secret === true;
    put(key, value, containsSecret(value) || (fromPlainJson.size > 0 && credential));
  }
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      throw new EscError(`${path.basename(stackFile)}: config ${key} is encrypted with the stack's secrets provider, which the offline plan cannot decrypt; move it into the ESC environment as fn::secret`);
    }
    put(key, value, false);
  }
  for (const [key, declared] of Object.entries(readProjectFile(source.root).config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    if (fullKey in raw || declared === null) continue;
    // `key: <value>` is short for `key: { value: <value> }`.
    const entry = (typeof declared === "object" && !Array.isArray(declared) ? declared : { value: declared }) as { value?: unknown; default?: unknown };
    const fill = "value" in entry ? entry.value : entry.default;
    if (fill !== undefined) put(key, fill, false);
  }
  return { project, stack: source.stack, values: raw, secretKeys };
}

function readProjectFile(root: string): { name: string; config?: Record<string, unknown> } {
  const file = path.join(root, "Pulumi.yaml");
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; config?: unknown };
  if (typeof doc?.name !== "string") throw new EscError(`${file}: missing project name`);
  if (doc.config !== undefined && (typeof doc.config !== "object" || doc.config === null || Array.isArray(doc.config))) throw new EscError(`${file}: config must be a mapping of keys to { type, default } entries`);
  return doc as { name: string; config?: Record<string, unknown> };
}

export function readProjectName(root: string): string {
  return readProjectFile(root).name;
}

function importedEnvironments(environment: unknown, stackFile: string): string[] {
  if (environment === undefined) return [];
  const list = Array.isArray(environment) ? environment : (environment as { imports?: unknown })?.imports;
  if (!Array.isArray(list) || list.some((e) => typeof e !== "string")) {
    throw new EscError(`${path.basename(stackFile)}: environment must be a list of ESC environment names, e.g. [default/oceanid-cluster]`);
  }
  return list as string[];
}
