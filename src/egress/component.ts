import { createHash } from "node:crypto";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/networkPolicy";
import * as pulumi from "@pulumi/pulumi";
import { formatPostgresUrl } from "../postgresUrl";
import { DB_PROXY_PORT, dbProxyContainer, sshKeyFile, type DbProxyMode } from "./dbProxy";
import { appsEgressPolicy, dbProxyPolicy, gatewayPolicy } from "./networkPolicies";
import { proxyEnvironment, type ProxyEnvironment } from "./proxyEnv";
import { SQUID_LOG_DIR, squidConf } from "./squidConf";

const GATEWAY_PORT = 3128;
const GATEWAY_LABELS = { app: "egress-gateway" };
const DB_PROXY_LABELS = { app: "egress-db-proxy" };

/** Runs a pod on the egress node, control-plane taint included, so its traffic leaves with that node's IP. */
function pinnedToNode(nodeName: string) {
  return {
    nodeSelector: { "kubernetes.io/hostname": nodeName },
    tolerations: [
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      { key: "node-role.kubernetes.io/master", operator: "Exists", effect: "NoSchedule" },
    ],
  };
}

export interface EgressGatewayArgs {
  nodeName: string;
  podCidr: string;
  serviceCidr: string;
  squidImage: string;
  /** Namespace of the apps whose egress goes through the gateway (default-deny applies there); must exist (dependsOn). */
  appsNamespace: string;
}

/**
 * One squid pod on the egress node: all app egress leaves the cluster with that node's public
 * IP, so the database firewall needs exactly one address.
 */
export class EgressGateway extends pulumi.ComponentResource {
  /** Environment every app container gets (HTTP(S)_PROXY, NO_PROXY). */
  readonly proxyEnv: ProxyEnvironment;
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: EgressGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("oceanid:egress:Gateway", name, {}, opts);
    const child = { parent: this };
    const clusterCidrs = [args.podCidr, args.serviceCidr];

    const namespace = new Namespace(`${name}-namespace`, { metadata: { name: "egress-system" } }, child);
    const ns = namespace.metadata.name;
    const conf = squidConf({ port: GATEWAY_PORT, clientCidrs: clusterCidrs, tlsPorts: [443] });
    const config = new ConfigMap(`${name}-squid`, { metadata: { name: "egress-gateway-squid", namespace: ns }, data: { "squid.conf": conf } }, child);

    new Deployment(
      name,
      {
        metadata: { name: "egress-gateway", namespace: ns, labels: GATEWAY_LABELS },
        spec: {
          replicas: 1,
          selector: { matchLabels: GATEWAY_LABELS },
          template: {
            // A config change changes the checksum, which rolls the pod.
            metadata: { labels: GATEWAY_LABELS, annotations: { "oceanid.dev/squid-config-sha256": createHash("sha256").update(conf).digest("hex") } },
            spec: {
              ...pinnedToNode(args.nodeName),
              containers: [
                {
                  name: "squid",
                  image: args.squidImage,
                  ports: [{ name: "proxy", containerPort: GATEWAY_PORT }],
                  volumeMounts: [
                    { name: "config", mountPath: "/etc/squid/squid.conf", subPath: "squid.conf", readOnly: true },
                    { name: "logs", mountPath: SQUID_LOG_DIR },
                  ],
                  readinessProbe: { tcpSocket: { port: GATEWAY_PORT }, initialDelaySeconds: 3, periodSeconds: 10 },
                  livenessProbe: { tcpSocket: { port: GATEWAY_PORT }, initialDelaySeconds: 15, periodSeconds: 20 },
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                // squid's log files, which the image's entrypoint copies to the container log; they
                // are never rotated, so a full volume evicts (and so restarts) only this pod instead
                // of filling the node's disk.
                { name: "logs", emptyDir: { sizeLimit: "1Gi" } },
              ],
            },
          },
        },
      },
      child,
    );
    const service = new Service(
      `${name}-service`,
      { metadata: { name: "egress-gateway", namespace: ns, labels: GATEWAY_LABELS }, spec: { selector: GATEWAY_LABELS, ports: [{ name: "proxy", port: GATEWAY_PORT, targetPort: GATEWAY_PORT }] } },
      child,
    );
    new NetworkPolicy(
      `${name}-policy`,
      { metadata: { name: "egress-gateway", namespace: ns }, spec: gatewayPolicy({ gatewayLabels: GATEWAY_LABELS, gatewayPort: GATEWAY_PORT, clientNamespace: args.appsNamespace, clusterCidrs }) },
      child,
    );
    new NetworkPolicy(
      `${name}-apps-default-deny`,
      {
        metadata: { name: "default-deny-egress", namespace: args.appsNamespace },
        spec: appsEgressPolicy({ gatewayNamespace: "egress-system", gatewayLabels: GATEWAY_LABELS, gatewayPort: GATEWAY_PORT, dbProxyLabels: DB_PROXY_LABELS, dbProxyPort: DB_PROXY_PORT }),
      },
      child,
    );

    this.namespace = ns;
    this.proxyEnv = proxyEnvironment({ gatewayHost: "egress-gateway.egress-system.svc.cluster.local", gatewayPort: GATEWAY_PORT, podCidr: args.podCidr, serviceCidr: args.serviceCidr });
    this.registerOutputs({ namespace: this.namespace, service: service.metadata.name, proxyEnv: this.proxyEnv });
  }
}

export interface EgressDbProxyArgs {
  /** Apps namespace; must exist (dependsOn). */
  namespace: string;
  mode: DbProxyMode;
  image: string;
  nodeName: string;
  podCidr: string;
  serviceCidr: string;
  /** The cleandata database as configured; the proxy forwards to its host and port. */
  database: { host: string; port: number; database: string; user: string; sslmode: string; password: pulumi.Input<string> };
  tethys: { host: string; port: number; user: string; privateKey: pulumi.Input<string>; knownHosts: string };
}

/**
 * egress-db-proxy in the apps namespace: apps reach CrunchyBridge at
 * egress-db-proxy.<ns>.svc.cluster.local:5432 through an SSH tunnel via tethys or a TCP forwarder.
 */
export class EgressDbProxy extends pulumi.ComponentResource {
  /** In-cluster DNS name of the proxy service. */
  readonly host: string;
  readonly port = DB_PROXY_PORT;
  /** The cleandata URL with host and port replaced by the proxy's (secret). */
  readonly inClusterCleandataUrl: pulumi.Output<string>;

  constructor(name: string, args: EgressDbProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("oceanid:egress:DbProxy", name, {}, opts);
    const child = { parent: this };
    const tunnel = args.mode === "ssh-tunnel";

    const sshSecret = tunnel
      ? new Secret(
          `${name}-ssh`,
          { metadata: { name: "egress-db-proxy-ssh", namespace: args.namespace }, type: "Opaque", stringData: { id: pulumi.output(args.tethys.privateKey).apply(sshKeyFile), known_hosts: args.tethys.knownHosts } },
          child,
        )
      : undefined;

    new Deployment(
      name,
      {
        metadata: { name: "egress-db-proxy", namespace: args.namespace, labels: DB_PROXY_LABELS },
        spec: {
          replicas: 1,
          selector: { matchLabels: DB_PROXY_LABELS },
          template: {
            metadata: { labels: DB_PROXY_LABELS },
            spec: {
              // Both modes run on the egress node so what they dial leaves with the egress IP.
              ...pinnedToNode(args.nodeName),
              containers: [dbProxyContainer({ mode: args.mode, image: args.image, upstream: { host: args.database.host, port: args.database.port }, tethys: args.tethys })],
              volumes: sshSecret
                ? [
                    { name: "ssh", secret: { secretName: sshSecret.metadata.name, defaultMode: 0o400 } },
                    { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                  ]
                : [],
            },
          },
        },
      },
      child,
    );
    const service = new Service(
      `${name}-service`,
      { metadata: { name: "egress-db-proxy", namespace: args.namespace, labels: DB_PROXY_LABELS }, spec: { selector: DB_PROXY_LABELS, ports: [{ name: "postgres", port: DB_PROXY_PORT, targetPort: DB_PROXY_PORT }] } },
      child,
    );
    new NetworkPolicy(
      `${name}-policy`,
      {
        metadata: { name: "egress-db-proxy-upstream", namespace: args.namespace },
        spec: dbProxyPolicy({ dbProxyLabels: DB_PROXY_LABELS, upstreamPort: tunnel ? args.tethys.port : args.database.port, clusterCidrs: [args.podCidr, args.serviceCidr] }),
      },
      child,
    );

    this.host = `egress-db-proxy.${args.namespace}.svc.cluster.local`;
    const { password, ...connection } = args.database;
    this.inClusterCleandataUrl = pulumi.secret(pulumi.output(password).apply((pw) => formatPostgresUrl({ ...connection, password: pw, host: this.host, port: DB_PROXY_PORT })));
    this.registerOutputs({ host: this.host, port: this.port, service: service.metadata.name, inClusterCleandataUrl: this.inClusterCleandataUrl });
  }
}

