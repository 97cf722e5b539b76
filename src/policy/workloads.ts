import { asArray, asString, at, isRecord, type PolicyResource, type PropertyPath } from "./resource";

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, PropertyPath> = {
  "kubernetes:apps/v1:Deployment": ["spec", "template"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
  "kubernetes:batch/v1:Job": ["spec", "template"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
};

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/** Helm chart resources whose inputs carry chart, namespace and values: the v3 Release and the v4 Chart. */
export const HELM_CHARTS = new Set([HELM_RELEASE, "kubernetes:helm.sh/v4:Chart"]);
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const SERVICE = "kubernetes:core/v1:Service";
export const SECRET = "kubernetes:core/v1:Secret";
export const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";
export const FIREWALL_ALLOWLIST = "pulumi-nodejs:dynamic/crunchybridge:FirewallAllowlist";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

export interface PodTemplate {
  /** Path of the pod template (metadata + spec) in the resource's props; [] for a bare Pod. */
  path: PropertyPath;
  labels: Record<string, unknown>;
  spec: Record<string, unknown>;
}

export interface Container {
  /** Path of the container in the resource's props, for messages. */
  path: PropertyPath;
  container: Record<string, unknown>;
}

export function isWorkload(resource: PolicyResource): boolean {
  return resource.type in POD_SPEC_PATHS || resource.type === "kubernetes:core/v1:Pod";
}

export function podTemplate(resource: PolicyResource): PodTemplate | undefined {
  if (resource.type === "kubernetes:core/v1:Pod") {
    return { path: [], labels: recordAt(resource.props, ["metadata", "labels"]), spec: recordAt(resource.props, ["spec"]) };
  }
  const path = POD_SPEC_PATHS[resource.type];
  if (!path) return undefined;
  return { path, labels: recordAt(resource.props, [...path, "metadata", "labels"]), spec: recordAt(resource.props, [...path, "spec"]) };
}

/** Every container, init container and ephemeral container of a workload. */
export function containers(resource: PolicyResource): Container[] {
  const template = podTemplate(resource);
  if (!template) return [];
  const out: Container[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    asArray(template.spec[field]).forEach((container, index) => {
      if (isRecord(container)) out.push({ path: [...template.path, "spec", field, index], container });
    });
  }
  return out;
}

export function namespaceOf(resource: PolicyResource): string {
  const field = HELM_CHARTS.has(resource.type) ? ["namespace"] : ["metadata", "namespace"];
  return asString(at(resource.props, field)) ?? "default";
}

/** The node a pod template is pinned to by hostname, if any. */
export function pinnedNode(template: PodTemplate): string | undefined {
  return asString(at(template.spec, ["nodeSelector", HOSTNAME_LABEL])) ?? asString(template.spec.nodeName);
}

export function containerLabel(resource: PolicyResource, container: Container): string {
  return `container ${asString(container.container.name) ?? "?"} of ${resource.name}`;
}

function recordAt(value: unknown, path: PropertyPath): Record<string, unknown> {
  const found = at(value, path);
  return isRecord(found) ? found : {};
}

/** Whether a label selector's matchLabels select these labels (matchExpressions count as matching). */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  const matchLabels = at(selector, ["matchLabels"]);
  if (!isRecord(matchLabels)) return true;
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}
