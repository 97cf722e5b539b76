import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { loadConfig } from "./src/config";
import { EgressDbProxy, EgressGateway } from "./src/egress/component";
import { HuggingFaceDatasetSecret } from "./src/huggingFace/component";
import { LabelStudio } from "./src/labelStudio/component";
import { uploadsProvider } from "./src/uploads/awsProvider";
import { UploadsBucket } from "./src/uploads/component";

const config = loadConfig();

// Default providers are disabled (Pulumi.yaml): every resource goes through one of these two,
// built from config alone.
const awsUploads = uploadsProvider("uploads", config.uploads);
const cluster = { provider: new KubernetesProvider("cluster", { kubeconfig: config.kubeconfig, enableServerSideApply: true }) };

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
    chartVersion: config.labelStudio.chartVersion,
    hostname: config.labelStudio.hostname,
    ingressClassName: config.labelStudio.ingressClassName,
    tlsClusterIssuer: config.labelStudio.tlsClusterIssuer,
    database: { ...config.labelStudio.database, host: dbProxy.host, port: dbProxy.port },
    uploads: { ...config.uploads, bucketName: uploads.bucketName },
    proxyEnv: { ...egress.proxyEnv },
  },
  inApps,
);

const datasetSecret = new HuggingFaceDatasetSecret(
  "hf-dataset",
  { namespace: config.labelStudio.namespace, token: config.huggingFace.token, datasetRepo: config.huggingFace.datasetRepo },
  inApps,
);

export const uploadsBucket = { name: uploads.bucketName, arn: uploads.arn, region: uploads.region, endpoint: uploads.endpoint ?? null };
export const labelStudioUrl = labelStudio.url;
export const labelStudioRelease = labelStudio.releaseName;
export const huggingFaceSecretName = datasetSecret.secretName;
export const egressProxyEnv = egress.proxyEnv;
export const egressDbProxy = { host: dbProxy.host, port: dbProxy.port };
export const cleandataInClusterUrl = dbProxy.inClusterCleandataUrl;
