import { beforeAll, describe, expect, it } from "vitest";
import { KubernetesSchema } from "./openapi";
import { semanticProblems, type KubernetesObject } from "./semantics";

// The checkers themselves must be able to fail: each case breaks one thing in a valid set.

function validSet(): KubernetesObject[] {
  const pod = (app: string, port: { containerPort: number; name: string }, extra: Record<string, any> = {}) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, namespace: "apps" },
    spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app, tier: "x" } }, spec: { containers: [{ name: app, image: `${app}:1`, ports: [port], ...extra }] } } },
  });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } },
    pod(
      "web",
      { containerPort: 8080, name: "http" },
      {
        env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } }],
        volumeMounts: [{ name: "conf", mountPath: "/etc/web" }],
      },
    ),
    pod("db", { containerPort: 5432, name: "postgres" }),
    { apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "apps" }, stringData: { password: "p" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-conf", namespace: "apps" }, data: { "web.conf": "x" } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "apps" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web", namespace: "apps" },
      spec: { rules: [{ host: "web.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "web", namespace: "apps" },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }], ports: [{ port: 8080, protocol: "TCP" }] }],
        egress: [
          { to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 5432, protocol: "TCP" }] },
          { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ port: 53, protocol: "UDP" }] },
        ],
      },
    },
  ].map((o) => (o.kind === "Deployment" && o.metadata.name === "web" ? withVolume(o) : o));
}

function withVolume(deployment: any): any {
  deployment.spec.template.spec.volumes = [{ name: "conf", configMap: { name: "web-conf", items: [{ key: "web.conf", path: "web.conf" }] } }];
  return deployment;
}

function broken(change: (objects: Record<string, any>) => void): string[] {
  const objects = validSet();
  const byName = Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  change(byName);
  return semanticProblems(objects);
}

describe("semantic checks", () => {
  it("find nothing wrong with a consistent set", () => {
    expect(semanticProblems(validSet())).toEqual([]);
  });

  it.each([
    ["a selector that misses its own pods", (o: any) => (o["Deployment/db"].spec.selector.matchLabels.app = "database"), /Deployment db in apps: spec.selector .* does not match/],
    ["a Service selecting nothing", (o: any) => (o["Service/web"].spec.selector = { app: "website" }), /Service web in apps: selector .* selects no pod/],
    ["a Service target port no container declares", (o: any) => (o["Service/web"].spec.ports[0].targetPort = 9090), /port 80 targets 9090, which no container/],
    ["a Service target port name no container declares", (o: any) => (o["Service/web"].spec.ports[0].targetPort = "web"), /port 80 targets "web"/],
    ["an env var from a missing Secret key", (o: any) => (o["Deployment/web"].spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = "pass"), /needs key\(s\) pass of Secret creds/],
    ["an env var from a missing Secret", (o: any) => (o["Secret/creds"].metadata.name = "credentials"), /names Secret creds, which does not exist/],
    ["a ConfigMap volume item that is not a key", (o: any) => (o["ConfigMap/web-conf"].data = { "other.conf": "x" }), /volume conf needs key\(s\) web.conf of ConfigMap web-conf/],
    ["a mount of an undeclared volume", (o: any) => (o["Deployment/web"].spec.template.spec.containers[0].volumeMounts[0].name = "config"), /mounts volume config, which the pod does not declare/],
    ["a missing service account", (o: any) => (o["Deployment/web"].spec.template.spec.serviceAccountName = "web"), /serviceAccountName web does not exist/],
    ["an Ingress to a port the Service lacks", (o: any) => (o["Ingress/web"].spec.rules[0].http.paths[0].backend.service.port.number = 8080), /backend port 8080 is not a port of Service web/],
    ["a NetworkPolicy selecting no pod", (o: any) => (o["NetworkPolicy/web"].spec.podSelector.matchLabels.app = "website"), /NetworkPolicy web in apps: podSelector .* selects no pod in apps/],
    ["an egress rule to a Service port instead of the pod port", (o: any) => (o["NetworkPolicy/web"].spec.egress[0].ports[0].port = 5433), /egress port 5433\/TCP is not a port of Deployment db/],
    ["an ingress rule on a port the pods do not declare", (o: any) => (o["NetworkPolicy/web"].spec.ingress[0].ports[0].port = 80), /ingress port 80\/TCP is not a port of Deployment web/],
    ["a peer selecting no pod", (o: any) => (o["NetworkPolicy/web"].spec.egress[0].to[0].podSelector.matchLabels.app = "postgres"), /egress peer .* selects no pod/],
    ["a namespace selector matching no namespace", (o: any) => (o["NetworkPolicy/web"].spec.ingress[0].from[0].namespaceSelector = { matchLabels: { team: "web" } }), /ingress namespaceSelector .* selects no namespace/],
    ["a Service name the API server refuses", (o: any) => (o["Service/web"].metadata.name = "8-web"), /Service 8-web in apps: name must be a DNS-1035 label/],
    ["a container port name longer than 15 characters", (o: any) => (o["Deployment/db"].spec.template.spec.containers[0].ports[0].name = "postgres-primary"), /port name postgres-primary must be at most 15/],
    ["a label value with a space", (o: any) => (o["Deployment/db"].spec.template.metadata.labels.tier = "back end"), /pod template label tier value "back end" is not a valid label value/],
    ["an object in a namespace nobody creates", (o: any) => (o["Secret/creds"].metadata.namespace = "app"), /Secret creds in app: namespace app is not created by the program/],
  ])("catch %s", (_name, change, message) => {
    const problems = broken(change);
    expect(problems.join("\n")).toMatch(message);
  });
});

describe("OpenAPI validation (Kubernetes 1.31, strict)", () => {
  let schema: KubernetesSchema;
  beforeAll(() => {
    schema = new KubernetesSchema("1.31");
  });
  const deployment = () => structuredClone(validSet().find((o) => o.kind === "Deployment")!);

  it("accepts valid objects, int-or-string ports both ways, and null for an absent field", () => {
    for (const object of validSet()) expect(schema.validate(object)).toEqual([]);
    const service = structuredClone(validSet().find((o) => o.kind === "Service")!);
    service.spec.ports[0].targetPort = 8080;
    service.metadata.annotations = null;
    expect(schema.validate(service)).toEqual([]);
  });

  it("rejects an unknown field, naming it and where it is", () => {
    const object = deployment();
    object.spec.template.spec.containers[0].envv = [];
    expect(schema.validate(object)).toEqual([{ object: "Deployment/web (apps/v1)", problem: '/spec/template/spec/containers/0: unknown field "envv"' }]);
  });

  it("rejects duplicate entries of a keyed list, as server-side apply does", () => {
    const object = deployment();
    object.spec.template.spec.containers[0].env = [
      { name: "HTTP_PROXY", value: "http://gw:3128" },
      { name: "HTTP_PROXY", value: "http://gw:3128" },
    ];
    expect(schema.validate(object)).toEqual([{ object: "Deployment/web (apps/v1)", problem: '/spec/template/spec/containers/0/env: duplicate entries for key ["HTTP_PROXY"]' }]);
  });

  it("rejects a wrong type, a bad quantity, a missing required field and an unknown kind", () => {
    const wrongType = deployment();
    wrongType.spec.replicas = "2";
    expect(schema.validate(wrongType).map((p) => p.problem)).toEqual(["/spec/replicas: must be integer"]);
    const badQuantity = deployment();
    badQuantity.spec.template.spec.containers[0].resources = { limits: { memory: "2 Gi" } };
    expect(schema.validate(badQuantity).map((p) => p.problem).join("\n")).toMatch(/\/spec\/template\/spec\/containers\/0\/resources\/limits\/memory/);
    const noContainers = deployment();
    delete noContainers.spec.template.spec.containers;
    expect(schema.validate(noContainers).map((p) => p.problem)).toEqual(["/spec/template/spec: must have required property 'containers'"]);
    expect(schema.validate({ apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "old" } })[0]!.problem).toBe("Kubernetes 1.31 has no kind Ingress in extensions/v1beta1");
  });
});
