/** The proxy environment every app in the cluster gets, so its egress leaves through the gateway. */
export interface ProxyEnvironment {
  HTTP_PROXY: string;
  HTTPS_PROXY: string;
  NO_PROXY: string;
  http_proxy: string;
  https_proxy: string;
  no_proxy: string;
}

export interface ProxyEnvironmentArgs {
  /** In-cluster DNS name of the gateway service. */
  gatewayHost: string;
  gatewayPort: number;
  podCidr: string;
  serviceCidr: string;
}

/**
 * Both spellings: curl and Go read the lower-case names, Python's requests and boto read
 * either. NO_PROXY keeps cluster-local traffic (services, pods, egress-db-proxy) direct.
 */
export function proxyEnvironment(args: ProxyEnvironmentArgs): ProxyEnvironment {
  const proxy = `http://${args.gatewayHost}:${args.gatewayPort}`;
  const noProxy = ["localhost", "127.0.0.1", "::1", ".svc", ".cluster.local", "kubernetes.default.svc", args.podCidr, args.serviceCidr].join(",");
  return { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, NO_PROXY: noProxy, http_proxy: proxy, https_proxy: proxy, no_proxy: noProxy };
}
