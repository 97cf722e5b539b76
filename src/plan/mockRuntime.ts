import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** What a resource registers, with secrets shown as `[secret]` and values unknown in a preview as `[unknown]`. */
export interface RegisteredResource {
  type: string;
  name: string;
  /** Name of the parent resource; null for the stack itself. */
  parent: string | null;
  inputs: Record<string, unknown>;
}

export interface MockRunOptions {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: Iterable<string>;
  /** Print secret values instead of `[secret]` (like `pulumi preview --show-secrets`). */
  showSecrets?: boolean;
}

export interface MockRun {
  resources: RegisteredResource[];
  /** Stack outputs (the program module's exports), masked like the inputs. */
  outputs: Record<string, unknown>;
}

// Wire markers of the Pulumi RPC protocol (sdk/nodejs/runtime/rpc.ts).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Values a real provider computes on create, for the few outputs other resources consume.
 * Everything else comes back as the inputs, as a preview of an unchanged stack would show.
 */
const COMPUTED_OUTPUTS: Record<string, (name: string, inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "aws:s3/bucket:Bucket": (_name, inputs) => ({ arn: `arn:aws:s3:::${String(inputs.bucket)}`, bucketRegionalDomainName: `${String(inputs.bucket)}.s3.amazonaws.com` }),
};

/**
 * Runs a Pulumi program under the SDK's mock engine (`pulumi.runtime.setMocks`) with the given
 * stack config, and records every resource it registers with its real inputs.
 */
export async function runUnderMocks(options: MockRunOptions, program: () => unknown): Promise<MockRun> {
  const reveal = options.showSecrets === true;
  pulumi.runtime.setAllConfig(options.config, [...options.secretKeys]);
  const resources: RegisteredResource[] = [];
  const parents = new Map<string, string>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const computed = COMPUTED_OUTPUTS[args.type]?.(args.name, inputs) ?? {};
        resources.push({ type: args.type, name: args.name, parent: null, inputs: mask(inputs, reveal) as Record<string, unknown> });
        const id = args.type === "aws:s3/bucket:Bucket" ? String(inputs.bucket) : `${args.name}-id`;
        return { id, state: { ...inputs, ...computed } };
      },
      call: (args) => args.inputs,
    },
    options.project,
    options.stack,
    true,
  );
  // The mock callbacks do not receive the parent; capture it from the registration request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: { getType(): string; getName(): string; getParent(): string }, cb: unknown): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const parentUrn = req.getParent();
    if (parentUrn) parents.set(`${req.getType()}::${req.getName()}`, parentUrn.slice(parentUrn.lastIndexOf("::") + 2));
    register(req, cb);
  };

  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    exported = { ...((await program()) as Record<string, unknown>) };
    return exported;
  });
  await pulumi.runtime.disconnect();
  for (const resource of resources) resource.parent = parents.get(`${resource.type}::${resource.name}`) ?? null;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exported)) outputs[key] = await resolveOutput(value, reveal);
  return { resources, outputs };
}

async function resolveOutput(value: unknown, reveal: boolean): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    if (!reveal && (await pulumi.isSecret(value))) return "[secret]";
    const resolved = await new Promise<unknown>((resolve) => value.apply((v) => resolve(v)));
    return resolveOutput(resolved, reveal);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveOutput(v, reveal)));
  if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveOutput(v, reveal);
    return out;
  }
  return mask(value, reveal);
}

/** Replaces secrets and unknowns with markers and the serialized dynamic provider with its digest. */
export function mask(value: unknown, reveal = false, key?: string): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (key === "__provider" && typeof value === "string") return `[dynamic provider sha256:${createHash("sha256").update(value).digest("hex").slice(0, 16)}]`;
  if (Array.isArray(value)) return value.map((v) => mask(v, reveal));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return reveal ? mask(record.value, reveal, key) : "[secret]";
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, mask(record[k], reveal, k)]));
  }
  return value;
}
