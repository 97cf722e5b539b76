import { CronJob } from "@pulumi/kubernetes/batch/v1/cronJob";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";

export interface ProvisionerCronJobArgs {
  namespace: pulumi.Input<string>;
  /** Cron expression, e.g. "*\/15 * * * *". */
  schedule: pulumi.Input<string>;
  /** Image built from src/labelStudioStorage/Dockerfile. */
  image: pulumi.Input<string>;
  labelStudioUrl: pulumi.Input<string>;
  bucket: pulumi.Input<string>;
  region: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
  importPrefix: pulumi.Input<string>;
  exportPrefix: pulumi.Input<string>;
  importRegex: pulumi.Input<string>;
  importTitle: pulumi.Input<string>;
  exportTitle: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
  /** HTTP_PROXY / HTTPS_PROXY / NO_PROXY of the egress proxy (the CLI routes fetch through it). */
  proxyEnv: Record<string, string>;
}

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];

/**
 * Runs `oceanid provision --all --json` on a schedule in the cluster, for projects created in
 * the UI between deploys. Credentials live in a Secret of their own and reach the container
 * through secretKeyRef; runs never overlap (concurrencyPolicy Forbid).
 */
export class ProvisionerCronJob extends pulumi.ComponentResource {
  readonly secret: Secret;
  readonly cronJob: CronJob;

  constructor(name: string, args: ProvisionerCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super(), which registers the component: bad input registers nothing.
    const unknownProxyVars = Object.keys(args.proxyEnv).filter((key) => !PROXY_VARIABLES.includes(key));
    if (unknownProxyVars.length > 0) throw new Error(`ProvisionerCronJob ${name}: proxyEnv may only hold ${PROXY_VARIABLES.join(", ")}; got ${unknownProxyVars.join(", ")}`);
    super("oceanid:labelstudio:ProvisionerCronJob", name, {}, opts);
    const labels = { "app.kubernetes.io/name": "label-studio-storage-provisioner", "app.kubernetes.io/instance": name, "app.kubernetes.io/part-of": "oceanid" };

    const secretName = `${name}-credentials`;
    this.secret = new Secret(
      secretName,
      {
        // A fixed name, so the CronJob's secretKeyRef is known before the Secret exists.
        metadata: { name: secretName, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: {
          AWS_ACCESS_KEY_ID: pulumi.secret(args.accessKeyId),
          AWS_SECRET_ACCESS_KEY: pulumi.secret(args.secretAccessKey),
          LABEL_STUDIO_TOKEN: pulumi.secret(args.apiToken),
        },
      },
      { parent: this, deleteBeforeReplace: true },
    );
    const fromSecret = (key: string): k8sInput.core.v1.EnvVar => ({ name: key, valueFrom: { secretKeyRef: { name: this.secret.metadata.name, key } } });
    const plain: Record<string, pulumi.Input<string> | undefined> = {
      AWS_REGION: args.region,
      EXPORT_PREFIX: args.exportPrefix,
      EXPORT_TITLE: args.exportTitle,
      IMPORT_PREFIX: args.importPrefix,
      IMPORT_REGEX: args.importRegex,
      IMPORT_TITLE: args.importTitle,
      LABEL_STUDIO_URL: args.labelStudioUrl,
      S3_BUCKET: args.bucket,
      S3_ENDPOINT: args.endpoint,
      ...args.proxyEnv,
    };
    const env = [
      ...Object.keys(plain)
        .filter((key) => plain[key] !== undefined)
        .sort()
        .map((key) => ({ name: key, value: plain[key]! })),
      ...["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LABEL_STUDIO_TOKEN"].map(fromSecret),
    ];

    this.cronJob = new CronJob(
      name,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          schedule: args.schedule,
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: 600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 1,
              activeDeadlineSeconds: 3600,
              template: {
                metadata: { labels },
                spec: {
                  restartPolicy: "Never",
                  automountServiceAccountToken: false,
                  securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                  containers: [
                    {
                      name: "provision",
                      image: args.image,
                      command: ["node", "/app/bin/oceanid.cjs", "provision", "--all", "--json"],
                      env,
                      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                      // tsx keeps its transpile cache under the temp directory.
                      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    },
                  ],
                  volumes: [{ name: "tmp", emptyDir: {} }],
                },
              },
            },
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({ cronJobName: this.cronJob.metadata.name, secretName: this.secret.metadata.name });
  }
}
