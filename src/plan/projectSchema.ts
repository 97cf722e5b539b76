import { CONFIG_KEYS, type ConfigKeySpec } from "../config";

/**
 * The `config:` block of Pulumi.yaml, derived from CONFIG_KEYS. Pulumi requires a secret key to
 * have no default, so only required credentials carry `secret: true`; optional credentials get
 * `default: ""` and the parser enforces that they arrive as secrets.
 */
export function projectConfigSchema(): Record<string, Record<string, unknown>> {
  const schema: Record<string, Record<string, unknown>> = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS as Record<string, ConfigKeySpec>)) {
    const entry: Record<string, unknown> = { type: spec.type, description: spec.description };
    if (spec.type === "array") entry.items = { type: "string" };
    if (spec.secret && spec.default === undefined) entry.secret = true;
    if (spec.default !== undefined) entry.default = spec.default;
    schema[key] = entry;
  }
  return schema;
}
