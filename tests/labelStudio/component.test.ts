import { beforeAll, describe, expect, it } from "vitest";
import { findResource, openedEnvironmentFile, planJson, type PlanJson } from "../harness/cli";

// A password with every character that needs percent-encoding in a URL.
const PASSWORD = "p@ss/w%rd:1";
const HOST = "p.example-cluster-not-real.db.postgresbridge.com";
const ACCESS_KEY = "AKIDEXAMPLEVISIBLE";
const SECRET_KEY = "secret-access-key-visible";

describe("Label Studio release", () => {
  let revealed: PlanJson;
  let masked: PlanJson;

  beforeAll(async () => {
    const file = openedEnvironmentFile({
      labelStudioDbUrl: `postgresql://ls_user:${encodeURIComponent(PASSWORD)}@${HOST}:5432/labelfish?sslmode=verify-full`,
      "aws.labelStudio.accessKeyId": ACCESS_KEY,
      "aws.labelStudio.secretAccessKey": SECRET_KEY,
    });
    [revealed, masked] = await Promise.all([planJson(["--env-file", file, "--show-secrets"]), planJson(["--env-file", file])]);
  });

  it("points the chart at the URL's database and user, through egress-db-proxy, with the bundled Postgres off", () => {
    const { values, version, chart, repositoryOpts, namespace } = findResource(revealed, "kubernetes:helm.sh/v3:Release", "label-studio").inputs;
    expect({ chart, version, repositoryOpts, namespace }).toEqual({ chart: "./vendor/label-studio-2.0.5", version: "2.0.5", repositoryOpts: undefined, namespace: "apps" });
    expect(values.global.pgConfig).toEqual({
      host: "egress-db-proxy.apps.svc.cluster.local",
      port: 5432,
      dbName: "labelfish",
      userName: "ls_user",
      password: { secretName: "label-studio-credentials", secretKey: "postgres-password" },
    });
    expect(values.postgresql).toEqual({ enabled: false });
    expect(values.global.extraEnvironmentVars.PGSSLMODE).toBe("verify-full");
  });

  it("keeps the decoded password and the access keys in the component's Secret, never in the values", () => {
    const secret = findResource(revealed, "kubernetes:core/v1:Secret", "label-studio-credentials").inputs;
    expect(secret.metadata).toEqual({ name: "label-studio-credentials", namespace: "apps" });
    expect(secret.stringData["postgres-password"]).toBe(PASSWORD);
    expect(secret.stringData["aws-access-key-id"]).toBe(ACCESS_KEY);
    expect(secret.stringData["aws-secret-access-key"]).toBe(SECRET_KEY);
    const values = JSON.stringify(findResource(revealed, "kubernetes:helm.sh/v3:Release", "label-studio").inputs.values);
    for (const secretValue of [PASSWORD, encodeURIComponent(PASSWORD), ACCESS_KEY, SECRET_KEY]) expect(values).not.toContain(secretValue);
  });

  it("stores files on the uploads bucket via existing-secret keys", () => {
    const { values } = findResource(revealed, "kubernetes:helm.sh/v3:Release", "label-studio").inputs;
    expect(values.global.persistence).toEqual({
      enabled: true,
      type: "s3",
      config: {
        s3: {
          bucket: "labelstudio-goldfish-uploads",
          region: "us-east-1",
          folder: "label-studio-media",
          accessKeyExistingSecret: "label-studio-credentials",
          accessKeyExistingSecretKey: "aws-access-key-id",
          secretKeyExistingSecret: "label-studio-credentials",
          secretKeyExistingSecretKey: "aws-secret-access-key",
        },
      },
    });
  });

  it("serves the configured host over TLS with a Django SECRET_KEY we own", () => {
    const { values } = findResource(revealed, "kubernetes:helm.sh/v3:Release", "label-studio").inputs;
    expect(values.app.ingress).toMatchObject({ enabled: true, host: "label.boathou.se", tls: [{ hosts: ["label.boathou.se"], secretName: "label-boathou-se-tls" }] });
    expect(values.global.extraEnvironmentVars).toMatchObject({ LABEL_STUDIO_HOST: "https://label.boathou.se", CSRF_TRUSTED_ORIGINS: "https://label.boathou.se" });
    expect(values.global.extraEnvironmentSecrets).toEqual({ SECRET_KEY: { secretName: "label-studio-credentials", secretKey: "django-secret-key" } });
    expect(findResource(revealed, "random:index/randomPassword:RandomPassword", "label-studio-django-secret-key").inputs).toEqual({ length: 50, special: false });
    // Requests for scheduling and limits that cap a runaway worker, each limit at or above its request.
    const { requests, limits } = values.app.resources as { requests: Record<string, string>; limits: Record<string, string> };
    const quantity = (text: string) => {
      const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(text);
      if (!match) throw new Error(`not a Kubernetes quantity: ${text}`);
      const scale: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
      return Number(match[1]) * (match[2] ? scale[match[2]] : 1);
    };
    for (const kind of ["cpu", "memory"]) {
      expect(quantity(limits[kind])).toBeGreaterThanOrEqual(quantity(requests[kind]));
      expect(quantity(requests[kind])).toBeGreaterThan(0);
    }
  });

  it("gives the pods the gateway's proxy environment once, in the upper-case names the chart produces", () => {
    const { values } = findResource(revealed, "kubernetes:helm.sh/v3:Release", "label-studio").inputs;
    const { HTTP_PROXY, HTTPS_PROXY, NO_PROXY } = revealed.outputs.egressProxyEnv as Record<string, string>;
    expect(values.global.extraEnvironmentVars).toMatchObject({ HTTP_PROXY, HTTPS_PROXY, NO_PROXY });
    expect(values.global.extraEnvironmentVars.HTTPS_PROXY).toBe("http://egress-gateway.egress-system.svc.cluster.local:3128");
    // The chart upper-cases every key: a lower-case spelling would be a second HTTP_PROXY.
    expect(Object.keys(values.global.extraEnvironmentVars).filter((key) => key !== key.toUpperCase())).toEqual([]);
  });

  it("sizes every container of the pod, not just the app", () => {
    const { values } = findResource(revealed, "kubernetes:helm.sh/v3:Release", "label-studio").inputs;
    for (const resources of [values.app.resources, values.app.nginx.resources, values.app.initContainer.resources]) {
      expect(Object.keys(resources.requests).sort()).toEqual(["cpu", "memory"]);
      expect(Object.keys(resources.limits).sort()).toEqual(["cpu", "memory"]);
    }
  });

  it("stays reviewable in a preview: the values are not masked as a secret", () => {
    const release = findResource(masked, "kubernetes:helm.sh/v3:Release", "label-studio").inputs;
    expect(typeof release.values).toBe("object");
    expect(release.values.global.pgConfig.userName).toBe("ls_user");
    expect(findResource(masked, "kubernetes:core/v1:Secret", "label-studio-credentials").inputs.stringData).toBe("[secret]");
  });
});
