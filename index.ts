import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { Provider as RandomProvider } from "@pulumi/random/provider";
import { loadConfig } from "./src/config";
import { FirewallAllowlist } from "./src/crunchyBridge/resource";
import { EgressDbProxy, EgressGateway } from "./src/egress/component";
import { HuggingFaceDatasetSecret } from "./src/huggingFace/component";
import { LabelStudioProjectStorage, ProvisionerCronJob } from "./src/labelStudioStorage";
import { slugify } from "./src/labelStudioStorage/slug";
import { CleandataMigrations, migrationFileInputs } from "./src/migrations/resource";
import { LabelStudio } from "./src/labelStudio/component";
import { uploadsProvider } from "./src/uploads/awsProvider";
import { UploadsBucket } from "./src/uploads/component";

const config = loadConfig();

// Default providers are disabled (Pulumi.yaml): every resource goes through one of these,
// built from config alone.
const awsUploads = uploadsProvider("uploads", config.uploads);
const kubernetes = new KubernetesProvider("cluster", { kubeconfig: config.kubeconfig, enableServerSideApply: true });
const random = new RandomProvider("random");
const cluster = { provider: kubernetes };

const appsNamespace = new Namespace("apps", { metadata: { name: config.labelStudio.namespace } }, cluster);
const inApps = { ...cluster, dependsOn: [appsNamespace] };

const uploads = new UploadsBucket(
  "uploads",
  {
    bucketName: config.uploads.bucketName,
    region: config.uploads.region,
    endpoint: config.uploads.endpoint,
    corsOrigins: [config.labelStudio.origin],
    importPrefix: config.uploads.importPrefix,
    exportPrefix: config.uploads.exportPrefix,
    lifecycle: config.uploads.lifecycle,
  },
  { provider: awsUploads },
);

const egress = new EgressGateway(
  "egress-gateway",
  { nodeName: config.egress.nodeName, podCidr: config.egress.podCidr, serviceCidr: config.egress.serviceCidr, squidImage: config.egress.squidImage, appsNamespace: config.labelStudio.namespace },
  inApps,
);

const dbProxy = new EgressDbProxy(
  "egress-db-proxy",
  {
    namespace: config.labelStudio.namespace,
    mode: config.egress.dbProxy.mode,
    image: config.egress.dbProxy.mode === "ssh-tunnel" ? config.egress.dbProxy.sshImage : config.egress.dbProxy.forwarderImage,
    nodeName: config.egress.nodeName,
    podCidr: config.egress.podCidr,
    serviceCidr: config.egress.serviceCidr,
    database: config.cleandata.database,
    tethys: config.egress.tethys,
  },
  inApps,
);

// Both databases live on the same CrunchyBridge host (checked in config), so Label Studio
// reaches labelfish through egress-db-proxy too.
const labelStudio = new LabelStudio(
  "label-studio",
  {
    namespace: config.labelStudio.namespace,
    hostname: config.labelStudio.hostname,
    ingressClassName: config.labelStudio.ingressClassName,
    tlsClusterIssuer: config.labelStudio.tlsClusterIssuer,
    database: { ...config.labelStudio.database, host: dbProxy.host, port: dbProxy.port },
    uploads: { ...config.uploads, bucketName: uploads.bucketName },
    proxyEnv: { ...egress.proxyEnv },
  },
  { providers: [kubernetes, random], dependsOn: [appsNamespace] },
);

// The egress node's public IP is the only address the database needs; prune (after the add)
// removes the legacy per-node rules.
const firewall = new FirewallAllowlist("crunchybridge-allowlist", {
  networkId: config.crunchyBridge.networkId,
  rules: [{ cidr: `${config.egress.publicIp}/32`, description: `${config.egress.nodeName}-oceanid egress gateway` }],
  prune: config.crunchyBridge.pruneStaleRules,
});

const datasetSecret = new HuggingFaceDatasetSecret(
  "hf-dataset",
  { namespace: config.labelStudio.namespace, token: config.huggingFace.token, datasetRepo: config.huggingFace.datasetRepo },
  inApps,
);

// Preview compares file checksums without touching the database; `up` applies pending files
// only where the stack opts in (migrations.runOnUp), otherwise the workflow does.
const migrations = new CleandataMigrations("cleandata-migrations", {
  databaseUrl: config.cleandata.database.url,
  files: migrationFileInputs("sql/migrations"),
  runOnUp: config.cleandata.runMigrationsOnUp,
});

// Credentials reach the storage provider through its configure() from the same stack config,
// never as inputs.
const storageSettings = {
  labelStudioUrl: labelStudio.url,
  bucket: uploads.bucketName,
  region: config.uploads.region,
  endpoint: config.uploads.endpoint,
  importPrefix: config.uploads.importPrefix,
  exportPrefix: config.uploads.exportPrefix,
  importRegex: config.uploads.importRegex,
  importTitle: config.uploads.importTitle,
  exportTitle: config.uploads.exportTitle,
};
const projectStorages = config.labelStudio.projects.map(
  (project) =>
    new LabelStudioProjectStorage(`project-storage-${typeof project === "number" ? project : slugify(project)}`, { ...storageSettings, project }, { dependsOn: [labelStudio, uploads] }),
);

// Catches projects created in the UI between deploys; its pods go out through the gateway.
if (config.labelStudio.provisioner.enabled) {
  new ProvisionerCronJob(
    "storage-provisioner",
    {
      ...storageSettings,
      namespace: config.labelStudio.namespace,
      schedule: config.labelStudio.provisioner.schedule,
      image: config.labelStudio.provisioner.image,
      apiToken: config.labelStudio.apiToken,
      accessKeyId: config.uploads.accessKeyId,
      secretAccessKey: config.uploads.secretAccessKey,
      proxyEnv: { ...egress.proxyEnv },
    },
    inApps,
  );
}

export const uploadsBucket = { name: uploads.bucketName, arn: uploads.arn, region: uploads.region, endpoint: uploads.endpoint ?? null };
export const labelStudioUrl = labelStudio.url;
export const labelStudioRelease = labelStudio.releaseName;
export const huggingFaceSecretName = datasetSecret.secretName;
export const egressProxyEnv = egress.proxyEnv;
export const egressDbProxy = { host: dbProxy.host, port: dbProxy.port };
export const cleandataInClusterUrl = dbProxy.inClusterCleandataUrl;
export const databaseAllowlist = firewall.rules;
export const cleandataMigrationStatus = migrations.status;
export const projectStorageIds = projectStorages.map((storage) => ({ project: storage.projectId, import: storage.importStorageId, export: storage.exportStorageId }));
