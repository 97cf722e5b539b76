import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { repoRoot, type PlannedResource } from "../harness/cli";

// The engine's side of the analyzer protocol, from the SDK's generated gRPC code.
const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb") as any;
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as any;
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as any;
const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as any;
const rpc = require("@pulumi/pulumi/runtime/rpc") as { specialSigKey: string; specialSecretSig: string; unknownValue: string };

export interface Diagnostic {
  policy: string;
  level: "advisory" | "mandatory" | "disabled" | "remediate";
  message: string;
  urn: string;
}

export interface AnalyzeResult {
  diagnostics: Diagnostic[];
  notApplicable: { policy: string; reason: string }[];
}

export interface PolicyPackProcess {
  info(): Promise<{ name: string; policies: { name: string; level: Diagnostic["level"] }[] }>;
  analyze(resource: PlannedResource, provider?: PlannedResource): Promise<AnalyzeResult>;
  analyzeStack(resources: PlannedResource[]): Promise<AnalyzeResult>;
  stop(): void;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

export function urnOf(stack: string, resource: Pick<PlannedResource, "type" | "name">): string {
  return `urn:pulumi:${stack}::oceanid-cluster::${resource.type}::${resource.name}`;
}

/** Plan inputs as the engine sends them: secrets as secret-signature objects, unknowns as the sentinel. */
function toEngine(value: unknown): unknown {
  if (value === "[secret]") return { [rpc.specialSigKey]: rpc.specialSecretSig, value: "secret-value-from-state" };
  if (value === "[unknown]") return rpc.unknownValue;
  if (Array.isArray(value)) return value.map(toEngine);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toEngine(v)]));
  return value;
}

/**
 * Starts policy/ the way the engine's nodejs policy analyzer does (the SDK's run-policy-pack,
 * in the pack directory, with the stack config in PULUMI_CONFIG) and speaks the Analyzer gRPC
 * protocol to it. The caller stops it.
 */
export async function startPolicyPack(stack: string, config: Record<string, string>, timeoutMs: number): Promise<PolicyPackProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"), "127.0.0.1:0", "."], {
    cwd: path.join(repoRoot, "policy"),
    // The environment the engine gives a policy pack (pkg/resource/plugin/analyzer_plugin.go constructEnv).
    env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config), PULUMI_NODEJS_PROJECT: "oceanid-cluster", PULUMI_NODEJS_STACK: stack, PULUMI_NODEJS_DRY_RUN: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", (code) => reject(new Error(`the policy pack exited ${code} before serving:\n${stdout}\n${stderr}`)));
    setTimeout(() => reject(new Error(`the policy pack did not serve within ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs).unref();
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
  const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, (err: Error | null, response: T) => (err ? reject(err) : resolve(response))));

  const result = (response: any): AnalyzeResult => ({
    diagnostics: response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn() })),
    notApplicable: response.getNotApplicableList().map((n: any) => ({ policy: n.getPolicyName(), reason: n.getReason() })),
  });
  const providerOf = (provider: PlannedResource) => {
    const p = new analyzerProto.AnalyzerProviderResource();
    p.setType(provider.type);
    p.setName(provider.name);
    p.setUrn(urnOf(stack, provider));
    p.setProperties(Struct.fromJavaScript(toEngine(provider.inputs)));
    return p;
  };

  return {
    async info() {
      const response: any = await call("getAnalyzerInfo", new Empty());
      return { name: response.getName(), policies: response.getPoliciesList().map((p: any) => ({ name: p.getName(), level: LEVELS[p.getEnforcementlevel()] })) };
    },
    async analyze(resource, provider) {
      const request = new analyzerProto.AnalyzeRequest();
      request.setType(resource.type);
      request.setName(resource.name);
      request.setUrn(urnOf(stack, resource));
      request.setProperties(Struct.fromJavaScript(toEngine(resource.inputs)));
      request.setOptions(new analyzerProto.AnalyzerResourceOptions());
      if (provider) request.setProvider(providerOf(provider));
      return result(await call("analyze", request));
    },
    async analyzeStack(resources) {
      const providers = new Map(resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.name, r]));
      const request = new analyzerProto.AnalyzeStackRequest();
      request.setResourcesList(
        resources.map((r) => {
          const resource = new analyzerProto.AnalyzerResource();
          resource.setType(r.type);
          resource.setName(r.name);
          resource.setUrn(urnOf(stack, r));
          resource.setProperties(Struct.fromJavaScript(toEngine(r.inputs)));
          resource.setOptions(new analyzerProto.AnalyzerResourceOptions());
          const provider = r.provider === null ? undefined : providers.get(r.provider);
          if (provider) resource.setProvider(providerOf(provider));
          return resource;
        }),
      );
      return result(await call("analyzeStack", request));
    },
    stop() {
      client.close();
      child.kill("SIGTERM");
    },
  };
}
