import * as fs from "node:fs";
import * as path from "node:path";
import pLimit from "p-limit";
import { beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { LABEL_STUDIO_CHART } from "../../src/labelStudio/chart";
import { findResource, planJson, repoRoot, type PlanJson, type PlannedResource } from "../harness/cli";
import { haveHelm, helmBinary, parseManifest, renderPlannedRelease } from "../harness/helm";

// The pinned chart rendered by a real Helm 3 with the values the program registers: what the
// cluster will run, not our reading of the chart.
const KUBE_VERSION = "1.31.0";

type Container = { name: string; env?: Array<{ name: string; value?: string; valueFrom?: any }>; resources?: any };

function podContainers(deployment: Record<string, any>): Container[] {
  const spec = deployment.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers] as Container[];
}

function envMap(container: Container): Map<string, { value?: string; valueFrom?: any }> {
  return new Map((container.env ?? []).map((e) => [e.name, e]));
}

/** Every leaf of a values tree (arrays count as leaves), with its path. */
function leaves(value: unknown, at: string[] = []): string[][] {
  if (value && typeof value === "object" && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [at];
}

/** The values with one leaf changed to something else of the same kind. */
function perturbed(values: Record<string, any>, leafPath: string[]): Record<string, any> {
  const copy = structuredClone(values);
  const old: unknown = leafPath.reduce<any>((node, key) => node[key], values);
  setLeaf(copy, leafPath, typeof old === "boolean" ? !old : typeof old === "number" ? old + 1 : Array.isArray(old) ? [] : `${String(old)}-changed`);
  return copy;
}

// One plan per stack for the whole file (Secrets revealed, so their keys can be checked).
const plans = new Map<string, Promise<PlanJson>>();
function planOf(stack: "prod" | "staging"): Promise<PlanJson> {
  if (!plans.has(stack)) plans.set(stack, planJson(["--stack", stack, "--show-secrets"]));
  return plans.get(stack)!;
}

describe.skipIf(!haveHelm())("the Label Studio chart, rendered by Helm with the registered values", () => {
  for (const stack of ["prod", "staging"] as const) {
    describe(stack, () => {
      let helm: string;
      let plan: PlanJson;
      let release: PlannedResource;
      let manifest: string;
      let objects: Array<Record<string, any>>;
      let deployment: Record<string, any>;
      let credentials: { name: string; keys: string[] };

      beforeAll(async () => {
        [helm, plan] = await Promise.all([helmBinary(), planOf(stack)]);
        release = findResource(plan, "kubernetes:helm.sh/v3:Release", "label-studio");
        manifest = await renderPlannedRelease(helm, release, KUBE_VERSION);
        objects = parseManifest(manifest);
        deployment = objects.find((o) => o.kind === "Deployment")!;
        const secret = findResource(plan, "kubernetes:core/v1:Secret", "label-studio-credentials").inputs;
        credentials = { name: secret.metadata.name, keys: Object.keys(secret.stringData) };
      });

      it("installs the vendored chart at the one pinned version", () => {
        const chartYaml = YAML.parse(fs.readFileSync(path.join(repoRoot, release.inputs.chart, "Chart.yaml"), "utf8")) as { name: string; version: string };
        expect(path.resolve(repoRoot, release.inputs.chart)).toBe(path.join(repoRoot, LABEL_STUDIO_CHART.directory));
        expect({ name: chartYaml.name, version: chartYaml.version }).toEqual({ name: LABEL_STUDIO_CHART.name, version: LABEL_STUDIO_CHART.version });
        expect(release.inputs.version).toBe(LABEL_STUDIO_CHART.version);
        expect(release.inputs.repositoryOpts).toBeUndefined();
      });

      it("renders only the app's objects: no bundled PostgreSQL, no chart-generated Django secret", () => {
        expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
          "Deployment/label-studio-ls-app",
          "Ingress/label-studio-ls-app",
          "Secret/label-studio-ls-secrets",
          "Service/label-studio-ls-app",
          "ServiceAccount/label-studio-ls-app",
        ]);
        expect(manifest).not.toMatch(/postgresql/i);
      });

      it("gives no container a duplicate environment variable (server-side apply rejects them)", () => {
        for (const container of podContainers(deployment)) {
          const names = (container.env ?? []).map((e) => e.name);
          const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
          expect({ container: container.name, duplicates }).toEqual({ container: container.name, duplicates: [] });
        }
      });

      it("points every container that touches the database at our Postgres, password by secretKeyRef, never SQLite", () => {
        const { pgConfig } = release.inputs.values.global;
        const touching = podContainers(deployment).filter((c) => [...envMap(c).keys()].some((n) => n === "DJANGO_DB" || n.startsWith("POSTGRE_")));
        expect(touching.map((c) => c.name)).toEqual(expect.arrayContaining(["db-migrations", "app"]));
        for (const container of touching) {
          const env = envMap(container);
          expect({ container: container.name, DJANGO_DB: env.get("DJANGO_DB")?.value }).toEqual({ container: container.name, DJANGO_DB: "default" });
          expect(env.get("POSTGRE_NAME")?.value).toBe(pgConfig.dbName);
          expect(env.get("POSTGRE_HOST")?.value).toBe(plan.outputs.egressDbProxy.host);
          expect(env.get("POSTGRE_PORT")?.value).toBe(String(plan.outputs.egressDbProxy.port));
          expect(env.get("POSTGRE_USER")?.value).toBe(pgConfig.userName);
          expect(env.get("POSTGRE_PASSWORD")).toEqual({ name: "POSTGRE_PASSWORD", valueFrom: { secretKeyRef: { name: credentials.name, key: "postgres-password" } } });
          // Open-source Label Studio ignores POSTGRE_SSL_MODE; libpq reads PGSSLMODE.
          expect(env.get("PGSSLMODE")?.value).toMatch(/^(require|verify-ca|verify-full)$/);
          expect(env.has("DATABASE_NAME")).toBe(false);
        }
        expect(credentials.keys).toContain("postgres-password");
        expect(manifest).not.toMatch(/sqlite/i);
      });

      it("stores uploads on our bucket with the credentials from our Secret", () => {
        const { s3 } = release.inputs.values.global.persistence.config;
        const env = envMap(podContainers(deployment).find((c) => c.name === "app")!);
        expect(env.get("STORAGE_PERSISTENCE")?.value).toBe("true");
        expect(env.get("STORAGE_TYPE")?.value).toBe("s3");
        expect(env.get("STORAGE_AWS_BUCKET_NAME")?.value).toBe(plan.outputs.uploadsBucket.name);
        expect(env.get("STORAGE_AWS_REGION_NAME")?.value).toBe(plan.outputs.uploadsBucket.region);
        expect(env.get("STORAGE_AWS_ENDPOINT_URL")?.value).toBe(plan.outputs.uploadsBucket.endpoint ?? undefined);
        expect(env.get("STORAGE_AWS_FOLDER")?.value).toBe(s3.folder);
        expect(env.get("STORAGE_AWS_ACCESS_KEY_ID")?.valueFrom).toEqual({ secretKeyRef: { name: credentials.name, key: "aws-access-key-id" } });
        expect(env.get("STORAGE_AWS_SECRET_ACCESS_KEY")?.valueFrom).toEqual({ secretKeyRef: { name: credentials.name, key: "aws-secret-access-key" } });
        expect(credentials.keys).toEqual(expect.arrayContaining(["aws-access-key-id", "aws-secret-access-key"]));
      });

      it("takes Django's SECRET_KEY from our Secret in every container", () => {
        for (const container of podContainers(deployment)) {
          expect({ container: container.name, SECRET_KEY: envMap(container).get("SECRET_KEY")?.valueFrom }).toEqual({
            container: container.name,
            SECRET_KEY: { secretKeyRef: { name: credentials.name, key: "django-secret-key" } },
          });
        }
        expect(credentials.keys).toContain("django-secret-key");
      });

      it("sends the pods' web traffic through the egress gateway", () => {
        const env = envMap(podContainers(deployment).find((c) => c.name === "app")!);
        const proxy = plan.outputs.egressProxyEnv as Record<string, string>;
        for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]) expect(env.get(name)?.value).toBe(proxy[name]);
      });

      it("serves the configured host over TLS, routed to the app's Service", () => {
        const hostname = new URL(plan.outputs.labelStudioUrl as string).hostname;
        const ingress = objects.find((o) => o.kind === "Ingress")!;
        const service = objects.find((o) => o.kind === "Service")!;
        expect(ingress.spec.rules.map((r: any) => r.host)).toEqual([hostname]);
        expect(ingress.spec.tls).toEqual([{ hosts: [hostname], secretName: `${hostname.replace(/\./g, "-")}-tls` }]);
        expect(ingress.spec.ingressClassName).toBe("traefik");
        expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt-prod");
        expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: service.metadata.name, port: { number: service.spec.ports[0].port } });
        for (const container of podContainers(deployment)) expect(envMap(container).get("LABEL_STUDIO_HOST")?.value).toBe(`https://${hostname}`);
      });

      it("sets requests and limits on every container", () => {
        for (const container of podContainers(deployment)) {
          expect({ container: container.name, resources: container.resources }).toEqual({
            container: container.name,
            resources: { requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { cpu: expect.any(String), memory: expect.any(String) } },
          });
        }
      });

      it("renders byte-identically twice (a random part would show a diff on every preview)", async () => {
        expect(await renderPlannedRelease(helm, release, KUBE_VERSION)).toBe(manifest);
      });
    });
  }
});

function setLeaf(values: Record<string, any>, leafPath: string[], value: unknown): void {
  let node = values;
  for (const key of leafPath.slice(0, -1)) node = node[key];
  node[leafPath[leafPath.length - 1]!] = value;
}

/**
 * The leaves whose change leaves the render as it was: keys the chart never reads. One render
 * with a unique marker in every string leaf settles the keys whose value reaches the output;
 * each remaining leaf is then changed alone (a render that fails on it read it too).
 */
async function ignoredKeys(helm: string, release: PlannedResource, values: Record<string, any>, candidates: string[][]): Promise<string[]> {
  const baseline = await renderPlannedRelease(helm, release, KUBE_VERSION, values);
  const marked = structuredClone(values);
  const markers = new Map<string[], string>();
  candidates.forEach((leaf, i) => {
    const value = leaf.reduce<any>((node, key) => node[key], values);
    if (typeof value === "string") markers.set(leaf, `oceanid-marker-${i}`);
  });
  for (const [leaf, marker] of markers) setLeaf(marked, leaf, marker);
  const markedRender = await renderPlannedRelease(helm, release, KUBE_VERSION, marked).catch(() => "");
  const unsettled = candidates.filter((leaf) => !(markers.has(leaf) && markedRender.includes(markers.get(leaf)!)));
  const limit = pLimit(2);
  const unchanged = await Promise.all(
    unsettled.map((leaf) =>
      limit(async () => {
        const changed = await renderPlannedRelease(helm, release, KUBE_VERSION, perturbed(values, leaf)).catch((err: Error) => `render failed: ${err.message}`);
        return changed === baseline ? leaf.join(".") : undefined;
      }),
    ),
  );
  return unchanged.filter((key) => key !== undefined);
}

describe.skipIf(!haveHelm())("every values key the program sets is read by the chart (an ignored key is a silent no-op)", () => {
  let helm: string;
  const releases: Partial<Record<"prod" | "staging", PlannedResource>> = {};
  beforeAll(async () => {
    const [binary, prod, staging] = await Promise.all([helmBinary(), planOf("prod"), planOf("staging")]);
    helm = binary;
    releases.prod = findResource(prod, "kubernetes:helm.sh/v3:Release", "label-studio");
    releases.staging = findResource(staging, "kubernetes:helm.sh/v3:Release", "label-studio");
  });

  it("in prod and staging: each leaf, changed alone, changes the render", async () => {
    // Staging sets every key prod sets (and the S3 endpoint): check each key once, on staging.
    const prodKeys = leaves(releases.prod!.inputs.values).map((leaf) => leaf.join("."));
    const stagingLeaves = leaves(releases.staging!.inputs.values);
    expect(prodKeys.filter((key) => !stagingLeaves.some((leaf) => leaf.join(".") === key))).toEqual([]);
    expect(await ignoredKeys(helm, releases.staging!, releases.staging!.inputs.values, stagingLeaves)).toEqual([]);
  });

  it("would name a key the chart does not read", async () => {
    const values = structuredClone(releases.prod!.inputs.values);
    // The chart's values schema lets unknown keys through under global.
    values.global.unreadSetting = "x";
    values.global.unreadFlag = true;
    expect(await ignoredKeys(helm, releases.prod!, values, [["global", "unreadSetting"], ["global", "unreadFlag"], ["global", "persistence", "enabled"], ["global", "pgConfig", "host"]])).toEqual(["global.unreadSetting", "global.unreadFlag"]);
  });
});
