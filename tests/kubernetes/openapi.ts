import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type AnySchemaObject, type ErrorObject, type KeywordDefinition, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { repoRoot } from "../harness/cli";

/** Kubernetes releases whose official OpenAPI spec is vendored (vendor/kubernetes-openapi/). */
export const KUBERNETES_VERSIONS = ["1.31", "1.34"] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

type Schema = Record<string, any>;

// The API server's own parsing of these two types, which the spec only calls "string".
const INT_OR_STRING = { anyOf: [{ type: "integer" }, { type: "string" }] };
// apimachinery's resource.Quantity grammar (a JSON number is accepted too).
const QUANTITY = { anyOf: [{ type: "number" }, { type: "string", pattern: "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$" }] };

/**
 * The spec's definitions made strict, as the API server's strict field validation is: every object
 * schema with declared properties refuses any other property (an unknown or misspelt field), and the
 * int-or-string and quantity types accept what the server accepts.
 */
function strictDefinitions(definitions: Record<string, Schema>): Record<string, Schema> {
  const strict = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strict);
    if (!node || typeof node !== "object") return node;
    const schema = Object.fromEntries(Object.entries(node as Schema).map(([k, v]) => [k, k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)])) : strict(v)]));
    if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    return schema;
  };
  const result: Record<string, Schema> = {};
  for (const [name, definition] of Object.entries(definitions)) result[name] = strict(definition) as Schema;
  result["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = INT_OR_STRING;
  result["io.k8s.apimachinery.pkg.api.resource.Quantity"] = QUANTITY;
  return result;
}

/**
 * `x-kubernetes-list-type` as the API server enforces it: a "map" list (env, ports, volumes...)
 * holds one entry per key tuple and a "set" list holds distinct items; server-side apply refuses
 * duplicates. A missing `protocol` key counts as its default, TCP.
 */
const LIST_TYPE_KEYWORD: KeywordDefinition = {
  keyword: "x-kubernetes-list-type",
  schemaType: "string",
  type: "array",
  errors: true,
  validate: function listType(kind: string, items: unknown[], parentSchema?: AnySchemaObject): boolean {
    const keyOf = (item: unknown): string => {
      if (kind === "set") return JSON.stringify(item);
      const keys = (parentSchema?.["x-kubernetes-list-map-keys"] ?? []) as string[];
      const record = (item ?? {}) as Record<string, unknown>;
      return JSON.stringify(keys.map((k) => record[k] ?? (k === "protocol" ? "TCP" : null)));
    };
    if (kind !== "map" && kind !== "set") return true;
    const seen = new Set<string>();
    const duplicates = items.map(keyOf).filter((key) => (seen.has(key) ? true : (seen.add(key), false)));
    if (duplicates.length === 0) return true;
    (listType as { errors?: Array<Partial<ErrorObject>> }).errors = [{ keyword: "x-kubernetes-list-type", message: `duplicate entries for key ${[...new Set(duplicates)].join(", ")}`, params: {} }];
    return false;
  },
};

export interface SchemaProblem {
  object: string;
  problem: string;
}

/** Validates Kubernetes objects against one release's official OpenAPI schema. Build once per test file. */
export class KubernetesSchema {
  private readonly ajv: Ajv;
  private readonly definitionByKind = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly version: KubernetesVersion) {
    const spec = JSON.parse(fs.readFileSync(path.join(repoRoot, "vendor", "kubernetes-openapi", `swagger-release-${version}.json`), "utf8")) as { definitions: Record<string, Schema> };
    for (const [name, definition] of Object.entries(spec.definitions)) {
      for (const gvk of (definition["x-kubernetes-group-version-kind"] ?? []) as Array<{ group: string; version: string; kind: string }>) {
        this.definitionByKind.set(`${gvk.group ? `${gvk.group}/` : ""}${gvk.version}/${gvk.kind}`, name);
      }
    }
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    addFormats(this.ajv, ["int32", "int64", "double", "byte", "date-time"]);
    // Annotations for clients, not constraints; declared so strict mode accepts them.
    this.ajv.addVocabulary(["x-kubernetes-group-version-kind", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy", "x-kubernetes-unions"]);
    this.ajv.addKeyword(LIST_TYPE_KEYWORD);
    this.ajv.addSchema({ $id: "k8s", definitions: strictDefinitions(spec.definitions) });
  }

  /** Problems with one object (empty when valid), each naming the object and the JSON path. */
  validate(object: Record<string, any>): SchemaProblem[] {
    const label = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"} (${object.apiVersion ?? "?"})`;
    const definition = this.definitionByKind.get(`${object.apiVersion}/${object.kind}`);
    if (!definition) return [{ object: label, problem: `Kubernetes ${this.version} has no kind ${object.kind} in ${object.apiVersion}` }];
    let validate = this.compiled.get(definition);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `k8s#/definitions/${definition}` });
      this.compiled.set(definition, validate);
    }
    return validate(withoutNulls(object)) ? [] : (validate.errors ?? []).map((error) => ({ object: label, problem: describe(error) }));
  }
}

/**
 * The API server decodes a null field as an absent one (Helm charts render `annotations:` with
 * nothing after it as null), so nulls in objects are dropped before validation; a required field
 * that is null is then reported as missing. Nulls inside lists stay, and fail.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || "/";
  if (error.keyword === "additionalProperties") return `${at}: unknown field ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}`;
  return `${at}: ${error.message ?? error.keyword}`;
}
