import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Release } from "@pulumi/kubernetes/helm/v3/release";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { CHART_PATH, LABEL_STUDIO_CHART } from "./chart";
import { chartValues, SECRET_KEYS, type PodResources } from "./values";

export interface LabelStudioArgs {
  namespace: pulumi.Input<string>;
  hostname: string;
  ingressClassName: string;
  tlsClusterIssuer: string;
  /** Where the pods reach the labelfish database (directly, or through egress-db-proxy). */
  database: { host: string; port: number; database: string; user: string; sslmode: string; password: pulumi.Input<string> };
  uploads: { bucketName: pulumi.Input<string>; region: string; endpoint?: string; accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
  /** HTTP(S)_PROXY/NO_PROXY for the pods when egress goes through the gateway; {} otherwise. */
  proxyEnv: Record<string, string>;
  resources?: PodResources;
}

// nginx only proxies to uwsgi in the same pod; label-studio-migrate is a Django process like the app.
const DEFAULT_RESOURCES: PodResources = {
  app: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
  nginx: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  migrations: { requests: { cpu: "100m", memory: "384Mi" }, limits: { cpu: "1", memory: "1Gi" } },
};

/**
 * Label Studio from the official chart, on the external labelfish database and the uploads
 * bucket. Credentials live in one Secret created here; the release values only point at it, so
 * they stay plain and reviewable in a preview.
 */
export class LabelStudio extends pulumi.ComponentResource {
  readonly releaseName: pulumi.Output<string>;
  readonly url: string;
  readonly credentialsSecretName: pulumi.Output<string>;

  constructor(name: string, args: LabelStudioArgs, opts?: pulumi.ComponentResourceOptions) {
    super("oceanid:labelstudio:LabelStudio", name, {}, opts);
    const child = { parent: this };

    // Generated once and kept in state: stable across previews, unlike the chart's own randAscii.
    const djangoSecretKey = new RandomPassword(`${name}-django-secret-key`, { length: 50, special: false }, child);
    const credentialsName = `${name}-credentials`;
    const credentials = new Secret(
      credentialsName,
      {
        metadata: { name: credentialsName, namespace: args.namespace },
        type: "Opaque",
        stringData: {
          [SECRET_KEYS.postgresPassword]: args.database.password,
          [SECRET_KEYS.awsAccessKeyId]: args.uploads.accessKeyId,
          [SECRET_KEYS.awsSecretAccessKey]: args.uploads.secretAccessKey,
          [SECRET_KEYS.djangoSecretKey]: djangoSecretKey.result,
        },
      },
      child,
    );

    const values = pulumi.output(args.uploads.bucketName).apply((bucketName) =>
      chartValues({
        hostname: args.hostname,
        ingressClassName: args.ingressClassName,
        tlsClusterIssuer: args.tlsClusterIssuer,
        database: { host: args.database.host, port: args.database.port, database: args.database.database, user: args.database.user, sslmode: args.database.sslmode },
        uploads: { bucketName, region: args.uploads.region, endpoint: args.uploads.endpoint },
        credentialsSecretName: credentialsName,
        proxyEnv: args.proxyEnv,
        resources: args.resources ?? DEFAULT_RESOURCES,
      }),
    );

    const release = new Release(
      name,
      {
        name,
        // The vendored chart directory: previews render it offline, and Helm ignores the version
        // of a local chart, which we still state so the release records what it installs.
        chart: CHART_PATH,
        version: LABEL_STUDIO_CHART.version,
        namespace: args.namespace,
        values,
        // Label Studio runs its migrations in an init container on first start; give it time.
        timeout: 900,
      },
      { ...child, dependsOn: [credentials] },
    );

    this.releaseName = release.name;
    this.url = `https://${args.hostname}`;
    this.credentialsSecretName = credentials.metadata.name;
    this.registerOutputs({ releaseName: this.releaseName, url: this.url, credentialsSecretName: this.credentialsSecretName });
  }
}
