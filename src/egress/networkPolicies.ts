import type * as k8sInput from "@pulumi/kubernetes/types/input";

type PolicySpec = k8sInput.networking.v1.NetworkPolicySpec;

const NAMESPACE_LABEL = "kubernetes.io/metadata.name";
const dns = { to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] };

export interface AppsEgressArgs {
  gatewayNamespace: string;
  gatewayLabels: Record<string, string>;
  gatewayPort: number;
  dbProxyLabels: Record<string, string>;
  dbProxyPort: number;
}

/** Default-deny egress for every pod in the apps namespace, except to the gateway, DNS and egress-db-proxy. */
export function appsEgressPolicy(args: AppsEgressArgs): PolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      { to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: args.gatewayNamespace } }, podSelector: { matchLabels: args.gatewayLabels } }], ports: [{ protocol: "TCP", port: args.gatewayPort }] },
      dns,
      { to: [{ podSelector: { matchLabels: args.dbProxyLabels } }], ports: [{ protocol: "TCP", port: args.dbProxyPort }] },
    ],
  };
}

export interface GatewayPolicyArgs {
  gatewayLabels: Record<string, string>;
  gatewayPort: number;
  clientNamespace: string;
  /** Cluster ranges the gateway must not proxy into. */
  clusterCidrs: string[];
}

/** The gateway admits only the apps namespace, and reaches the internet (not back into the cluster) plus DNS. */
export function gatewayPolicy(args: GatewayPolicyArgs): PolicySpec {
  return {
    podSelector: { matchLabels: args.gatewayLabels },
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: args.clientNamespace } } }], ports: [{ protocol: "TCP", port: args.gatewayPort }] }],
    egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: args.clusterCidrs } }] }, dns],
  };
}

export interface DbProxyPolicyArgs {
  dbProxyLabels: Record<string, string>;
  /** Port the proxy dials out on: the database's (tcp-forward) or tethys' SSH port (ssh-tunnel). */
  upstreamPort: number;
  clusterCidrs: string[];
}

/**
 * The proxy's own way out, which the apps default-deny would otherwise cut. Host names cannot
 * appear in a NetworkPolicy, so the upstream is any address outside the cluster on that port.
 */
export function dbProxyPolicy(args: DbProxyPolicyArgs): PolicySpec {
  return {
    podSelector: { matchLabels: args.dbProxyLabels },
    policyTypes: ["Egress"],
    egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: args.clusterCidrs } }], ports: [{ protocol: "TCP", port: args.upstreamPort }] }, dns],
  };
}
