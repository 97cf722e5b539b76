export interface SquidConfArgs {
  port: number;
  /** Client networks allowed to use the proxy: the cluster's pod and service CIDRs. */
  clientCidrs: string[];
  /** Ports CONNECT may tunnel to (TLS). */
  tlsPorts: number[];
}

/**
 * squid.conf for a forward proxy that only serves the cluster, only tunnels to TLS ports,
 * caches nothing and logs to the container's stdout/stderr.
 */
export function squidConf(args: SquidConfArgs): string {
  return [
    `http_port ${args.port}`,
    ...args.clientCidrs.map((cidr) => `acl cluster_clients src ${cidr}`),
    `acl tls_ports port ${args.tlsPorts.join(" ")}`,
    `acl safe_ports port 80 ${args.tlsPorts.join(" ")}`,
    "acl CONNECT method CONNECT",
    "http_access deny !safe_ports",
    "http_access deny CONNECT !tls_ports",
    "http_access allow cluster_clients",
    "http_access deny all",
    "cache deny all",
    "access_log stdio:/dev/stdout",
    "cache_log stdio:/dev/stderr",
    "cache_store_log none",
    "logfile_rotate 0",
    "pid_filename none",
    "",
  ].join("\n");
}
