export interface SquidConfArgs {
  port: number;
  /** Client networks allowed to use the proxy: the cluster's pod and service CIDRs. */
  clientCidrs: string[];
  /** Ports CONNECT may tunnel to (TLS). */
  tlsPorts: number[];
}

/**
 * Where squid writes its logs: the files the ubuntu/squid image's entrypoint follows with
 * `tail -F` and so copies to the container's stdout. squid opens its logs after dropping from root
 * to user `proxy`; opening /dev/stdout (or /proc/self/fd/1) then re-opens the container's stdout
 * pipe, which belongs to root where the runtime made it as root, and squid dies with
 * "FATAL: Cannot open '/dev/stdout' for writing". `tail` started as root before squid and holds
 * the pipe open, so this works whoever owns the pipes.
 */
export const SQUID_LOG_DIR = "/var/log/squid";

/**
 * squid.conf for a forward proxy that only serves the cluster, only tunnels to TLS ports,
 * caches nothing and logs (through the image's entrypoint) to the container log.
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
    `access_log stdio:${SQUID_LOG_DIR}/access.log`,
    `cache_log ${SQUID_LOG_DIR}/cache.log`,
    "cache_store_log none",
    "logfile_rotate 0",
    "pid_filename none",
    "",
  ].join("\n");
}
