/**
 * What a schema cannot see: whether the objects fit together once applied. Pure functions over
 * plain Kubernetes objects (as registered by the program or rendered by Helm), each problem a
 * sentence naming the objects involved.
 */

export type KubernetesObject = Record<string, any>;
type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}

interface PodTemplate {
  owner: string;
  namespace: string;
  labels: Labels;
  spec: Record<string, any>;
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "IngressClass", "CustomResourceDefinition", "PriorityClass"]);

/** Where an object lives: its own namespace, else the one it is applied to by default. */
export function namespaceOf(object: KubernetesObject, defaultNamespace = "default"): string | undefined {
  return CLUSTER_SCOPED.has(object.kind) ? undefined : ((object.metadata?.namespace as string | undefined) ?? defaultNamespace);
}

function describeObject(object: KubernetesObject): string {
  const namespace = namespaceOf(object);
  return `${object.kind} ${object.metadata?.name ?? "(auto-named)"}${namespace ? ` in ${namespace}` : ""}`;
}

/** Label selector semantics of the API server (matchLabels AND matchExpressions; empty selects all). */
export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return key in labels && values.includes(labels[key]!);
      case "NotIn":
        return !(key in labels) || !values.includes(labels[key]!);
      case "Exists":
        return key in labels;
      case "DoesNotExist":
        return !(key in labels);
    }
  });
  return byLabel && byExpression;
}

function podTemplates(objects: KubernetesObject[]): PodTemplate[] {
  return objects.flatMap((object) => {
    const template =
      object.kind === "CronJob" ? object.spec?.jobTemplate?.spec?.template : ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(object.kind) ? object.spec?.template : object.kind === "Pod" ? object : undefined;
    if (!template) return [];
    return [{ owner: describeObject(object), namespace: namespaceOf(object)!, labels: (template.metadata?.labels ?? {}) as Labels, spec: template.spec ?? {} }];
  });
}

function containersOf(pod: PodTemplate): Array<Record<string, any>> {
  return [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
}

/** Whether a pod declares a port, by number or (for a string) by name. */
function hasPort(pod: PodTemplate, port: number | string, protocol = "TCP"): boolean {
  return containersOf(pod).some((container) =>
    ((container.ports ?? []) as Array<{ containerPort: number; name?: string; protocol?: string }>).some(
      (p) => (p.protocol ?? "TCP") === protocol && (typeof port === "number" ? p.containerPort === port : p.name === port),
    ),
  );
}

/** Workload selectors match their own pod template, as the API server requires. */
function workloadSelectorProblems(objects: KubernetesObject[]): string[] {
  return objects
    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(o.kind))
    .filter((o) => !selects(o.spec?.selector, o.spec?.template?.metadata?.labels ?? {}))
    .map((o) => `${describeObject(o)}: spec.selector ${JSON.stringify(o.spec?.selector)} does not match its pod template's labels ${JSON.stringify(o.spec?.template?.metadata?.labels ?? {})}`);
}

function serviceProblems(objects: KubernetesObject[], pods: PodTemplate[]): string[] {
  return objects
    .filter((o) => o.kind === "Service" && o.spec?.selector && o.spec?.type !== "ExternalName")
    .flatMap((service) => {
      const selected = pods.filter((pod) => pod.namespace === namespaceOf(service) && selects({ matchLabels: service.spec.selector }, pod.labels));
      if (selected.length === 0) return [`${describeObject(service)}: selector ${JSON.stringify(service.spec.selector)} selects no pod`];
      return ((service.spec.ports ?? []) as Array<{ port: number; targetPort?: number | string; protocol?: string }>)
        .filter((p) => !selected.some((pod) => hasPort(pod, p.targetPort ?? p.port, p.protocol)))
        .map((p) => `${describeObject(service)}: port ${p.port} targets ${JSON.stringify(p.targetPort ?? p.port)}, which no container of ${selected.map((pod) => pod.owner).join(", ")} declares`);
    });
}

function ingressProblems(objects: KubernetesObject[]): string[] {
  return objects
    .filter((o) => o.kind === "Ingress")
    .flatMap((ingress) => {
      const backends = [ingress.spec?.defaultBackend, ...((ingress.spec?.rules ?? []) as any[]).flatMap((rule) => (rule.http?.paths ?? []).map((p: any) => p.backend))].filter((b) => b?.service);
      return backends.flatMap((backend: { service: { name: string; port: { number?: number; name?: string } } }) => {
        const service = objects.find((o) => o.kind === "Service" && o.metadata?.name === backend.service.name && namespaceOf(o) === namespaceOf(ingress));
        if (!service) return [`${describeObject(ingress)}: backend Service ${backend.service.name} does not exist`];
        const { number, name } = backend.service.port;
        const found = ((service.spec?.ports ?? []) as Array<{ port: number; name?: string }>).some((p) => (number !== undefined ? p.port === number : p.name === name));
        return found ? [] : [`${describeObject(ingress)}: backend port ${number ?? name} is not a port of ${describeObject(service)}`];
      });
    });
}

/** Secrets, ConfigMaps (and their keys), ServiceAccounts and volumes a pod names must exist. */
function referenceProblems(objects: KubernetesObject[], pods: PodTemplate[]): string[] {
  const find = (kind: string, name: string, namespace: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name && namespaceOf(o) === namespace);
  const keysOf = (object: KubernetesObject) => new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {}), ...Object.keys(object.binaryData ?? {})]);
  return pods.flatMap((pod) => {
    const problems: string[] = [];
    const need = (kind: "Secret" | "ConfigMap", name: string, keys: string[], optional: boolean | undefined, via: string) => {
      if (optional) return;
      const target = find(kind, name, pod.namespace);
      if (!target) return problems.push(`${pod.owner}: ${via} names ${kind} ${name}, which does not exist in ${pod.namespace}`);
      const missing = keys.filter((key) => !keysOf(target).has(key));
      if (missing.length > 0) problems.push(`${pod.owner}: ${via} needs key(s) ${missing.join(", ")} of ${kind} ${name}, which has ${[...keysOf(target)].join(", ") || "no keys"}`);
    };
    for (const container of containersOf(pod)) {
      for (const env of (container.env ?? []) as Array<{ name: string; valueFrom?: any }>) {
        const secret = env.valueFrom?.secretKeyRef;
        const configMap = env.valueFrom?.configMapKeyRef;
        if (secret) need("Secret", secret.name, [secret.key], secret.optional, `container ${container.name} env ${env.name}`);
        if (configMap) need("ConfigMap", configMap.name, [configMap.key], configMap.optional, `container ${container.name} env ${env.name}`);
      }
      for (const source of (container.envFrom ?? []) as any[]) {
        if (source.secretRef) need("Secret", source.secretRef.name, [], source.secretRef.optional, `container ${container.name} envFrom`);
        if (source.configMapRef) need("ConfigMap", source.configMapRef.name, [], source.configMapRef.optional, `container ${container.name} envFrom`);
      }
      const volumeNames = new Set(((pod.spec.volumes ?? []) as Array<{ name: string }>).map((v) => v.name));
      for (const mount of (container.volumeMounts ?? []) as Array<{ name: string }>) {
        if (!volumeNames.has(mount.name)) problems.push(`${pod.owner}: container ${container.name} mounts volume ${mount.name}, which the pod does not declare`);
      }
    }
    for (const volume of (pod.spec.volumes ?? []) as any[]) {
      const itemKeys = (items?: Array<{ key: string }>) => (items ?? []).map((item) => item.key);
      if (volume.secret) need("Secret", volume.secret.secretName, itemKeys(volume.secret.items), volume.secret.optional, `volume ${volume.name}`);
      if (volume.configMap) need("ConfigMap", volume.configMap.name, itemKeys(volume.configMap.items), volume.configMap.optional, `volume ${volume.name}`);
      for (const source of (volume.projected?.sources ?? []) as any[]) {
        if (source.secret) need("Secret", source.secret.name, itemKeys(source.secret.items), source.secret.optional, `volume ${volume.name}`);
        if (source.configMap) need("ConfigMap", source.configMap.name, itemKeys(source.configMap.items), source.configMap.optional, `volume ${volume.name}`);
      }
    }
    for (const pullSecret of (pod.spec.imagePullSecrets ?? []) as Array<{ name: string }>) need("Secret", pullSecret.name, [], false, "imagePullSecrets");
    const account = pod.spec.serviceAccountName as string | undefined;
    if (account && account !== "default" && !find("ServiceAccount", account, pod.namespace)) problems.push(`${pod.owner}: serviceAccountName ${account} does not exist in ${pod.namespace}`);
    return problems;
  });
}

/**
 * NetworkPolicies select the pods they mean: a policy's own podSelector selects pods; a peer
 * selects pods in namespaces we manage (peers in namespaces we do not, such as kube-system, and
 * ipBlocks are out of sight); and the ports a rule opens are ports those pods declare (a policy
 * filters pod ports, not Service ports).
 */
function networkPolicyProblems(objects: KubernetesObject[], pods: PodTemplate[]): string[] {
  const namespaces = new Map<string, Labels>();
  for (const o of objects) {
    const ns = o.kind === "Namespace" ? (o.metadata?.name as string) : namespaceOf(o);
    if (ns) namespaces.set(ns, { ...namespaces.get(ns), ...(o.kind === "Namespace" ? o.metadata?.labels : {}), "kubernetes.io/metadata.name": ns });
  }
  return objects
    .filter((o) => o.kind === "NetworkPolicy")
    .flatMap((policy) => {
      const problems: string[] = [];
      const namespace = namespaceOf(policy)!;
      const own = pods.filter((pod) => pod.namespace === namespace && selects(policy.spec?.podSelector ?? {}, pod.labels));
      if (own.length === 0) problems.push(`${describeObject(policy)}: podSelector ${JSON.stringify(policy.spec?.podSelector)} selects no pod in ${namespace}`);
      const checkPorts = (direction: string, targets: PodTemplate[], ports: Array<{ port?: number | string; protocol?: string }>) => {
        for (const { port, protocol } of ports) {
          if (port !== undefined && targets.length > 0 && !targets.some((pod) => hasPort(pod, port, protocol))) {
            problems.push(`${describeObject(policy)}: ${direction} port ${port}/${protocol ?? "TCP"} is not a port of ${targets.map((pod) => pod.owner).join(", ")}`);
          }
        }
      };
      for (const [direction, rules, peerKey] of [
        ["ingress", policy.spec?.ingress ?? [], "from"],
        ["egress", policy.spec?.egress ?? [], "to"],
      ] as const) {
        for (const rule of rules as any[]) {
          const peerPods: PodTemplate[] = [];
          let allPeersVisible = (rule[peerKey] ?? []).length > 0;
          for (const peer of (rule[peerKey] ?? []) as any[]) {
            if (peer.ipBlock) {
              allPeersVisible = false;
              continue;
            }
            const named = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] as string | undefined;
            const peerNamespaces = peer.namespaceSelector ? [...namespaces].filter(([, labels]) => selects(peer.namespaceSelector, labels)).map(([name]) => name) : [namespace];
            if (peerNamespaces.length === 0) {
              allPeersVisible = false;
              // A namespace outside the program (kube-system) is out of sight; any other selector is a mistake.
              if (!named) problems.push(`${describeObject(policy)}: ${direction} namespaceSelector ${JSON.stringify(peer.namespaceSelector)} selects no namespace`);
              continue;
            }
            const selected = pods.filter((pod) => peerNamespaces.includes(pod.namespace) && selects(peer.podSelector ?? {}, pod.labels));
            if (selected.length === 0) problems.push(`${describeObject(policy)}: ${direction} peer ${JSON.stringify(peer)} selects no pod`);
            peerPods.push(...selected);
          }
          // Ingress ports are the policy's own pods' ports; egress ports are the peers'.
          if (direction === "ingress") checkPorts(direction, own, rule.ports ?? []);
          else if (allPeersVisible) checkPorts(direction, peerPods, rule.ports ?? []);
        }
      }
      return problems;
    });
}

// The API server's name grammars (k8s.io/apimachinery/pkg/util/validation).
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function nameProblem(grammar: "label" | "subdomain" | "dns1035", name: string): string | undefined {
  const [pattern, max] = grammar === "label" ? [DNS1123_LABEL, 63] : grammar === "dns1035" ? [DNS1035_LABEL, 63] : [DNS1123_SUBDOMAIN, 253];
  return name.length <= max && pattern.test(name) ? undefined : `must be a ${grammar === "dns1035" ? "DNS-1035 label" : `DNS-1123 ${grammar}`} of at most ${max} characters`;
}

function labelProblems(labels: Labels): string[] {
  return Object.entries(labels).flatMap(([key, value]) => {
    const slash = key.lastIndexOf("/");
    const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
    const keyOk = name.length <= 63 && QUALIFIED_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
    const valueOk = value.length <= 63 && LABEL_VALUE.test(value);
    return [...(keyOk ? [] : [`label key ${JSON.stringify(key)} is not a qualified name`]), ...(valueOk ? [] : [`label ${key} value ${JSON.stringify(value)} is not a valid label value`])];
  });
}

/** Names the API server would refuse: object, namespace, container and port names, and labels. */
function nameProblems(objects: KubernetesObject[], pods: PodTemplate[]): string[] {
  const objectProblems = objects.flatMap((object) => {
    const problems: string[] = [];
    const name = object.metadata?.name as string | undefined;
    const grammar = object.kind === "Service" ? "dns1035" : object.kind === "Namespace" ? "label" : "subdomain";
    const bad = name === undefined ? undefined : nameProblem(grammar, name);
    if (bad) problems.push(`${describeObject(object)}: name ${bad}`);
    if (object.kind === "CronJob" && name !== undefined && name.length > 52) problems.push(`${describeObject(object)}: name must be at most 52 characters (its Jobs append 11)`);
    problems.push(...labelProblems(object.metadata?.labels ?? {}).map((p) => `${describeObject(object)}: ${p}`));
    for (const port of (object.kind === "Service" ? object.spec?.ports ?? [] : []) as Array<{ name?: string }>) {
      if (port.name !== undefined && !DNS1123_LABEL.test(port.name)) problems.push(`${describeObject(object)}: port name ${port.name} must be a DNS-1123 label`);
    }
    return problems;
  });
  const podProblems = pods.flatMap((pod) => [
    ...labelProblems(pod.labels).map((p) => `${pod.owner}: pod template ${p}`),
    ...containersOf(pod).flatMap((container) => [
      ...(nameProblem("label", String(container.name)) ? [`${pod.owner}: container name ${container.name} must be a DNS-1123 label`] : []),
      ...((container.ports ?? []) as Array<{ name?: string }>)
        .filter((port) => port.name !== undefined && !IANA_SVC_NAME.test(port.name))
        .map((port) => `${pod.owner}: container ${container.name} port name ${port.name} must be at most 15 lower-case letters, digits and single hyphens, with a letter`),
    ]),
  ]);
  return [...objectProblems, ...podProblems];
}

/** Namespaced objects go into a namespace the program creates (or one every cluster has). */
function namespaceProblems(objects: KubernetesObject[]): string[] {
  const created = new Set(["default", "kube-system", ...objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata?.name as string)]);
  return objects.filter((o) => namespaceOf(o) !== undefined && !created.has(namespaceOf(o)!)).map((o) => `${describeObject(o)}: namespace ${namespaceOf(o)} is not created by the program`);
}

/** Every problem found in a set of objects that will be applied together. */
export function semanticProblems(objects: KubernetesObject[]): string[] {
  const pods = podTemplates(objects);
  return [
    ...nameProblems(objects, pods),
    ...namespaceProblems(objects),
    ...workloadSelectorProblems(objects),
    ...serviceProblems(objects, pods),
    ...ingressProblems(objects),
    ...referenceProblems(objects, pods),
    ...networkPolicyProblems(objects, pods),
  ];
}
