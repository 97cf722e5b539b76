import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { loadConfig } from "./src/config";

const config = loadConfig();

// Default providers are disabled (Pulumi.yaml): every resource names one of these, so
// nothing ever runs against ambient credentials by accident.
const awsProvider = new aws.Provider("uploads", {
  region: config.uploads.region as aws.Region,
  accessKey: config.uploads.accessKeyId,
  secretKey: config.uploads.secretAccessKey,
});
const k8sProvider = new k8s.Provider("cluster", { kubeconfig: config.kubeconfig, enableServerSideApply: true });

export const stack = config.stack;
void awsProvider;
void k8sProvider;
