import type * as k8sInput from "@pulumi/kubernetes/types/input";

type Container = k8sInput.core.v1.Container;

export const DB_PROXY_PORT = 5432;
/** Where the tunnel's key and known_hosts are mounted (from a Secret, mode 0400). */
export const SSH_DIR = "/etc/egress-db-proxy";

export type DbProxyMode = "ssh-tunnel" | "tcp-forward";

export interface DbProxyContainerArgs {
  mode: DbProxyMode;
  image: string;
  /** The database host and port the proxy forwards to. */
  upstream: { host: string; port: number };
  tethys: { host: string; port: number; user: string };
}

const tcpProbe = (initialDelaySeconds: number) => ({ tcpSocket: { port: DB_PROXY_PORT }, initialDelaySeconds, periodSeconds: 10, failureThreshold: 3 });

/**
 * The proxy container. TCP only in both modes, so TLS to the database stays end to end.
 * ssh-tunnel: autossh keeps a local forward through tethys open and restarts ssh when it dies;
 * host keys are checked strictly against the pinned known_hosts. tcp-forward: socat.
 */
export function dbProxyContainer(args: DbProxyContainerArgs): Container {
  const forward = `${args.upstream.host}:${args.upstream.port}`;
  const command =
    args.mode === "ssh-tunnel"
      ? [
          "autossh",
          "-M", "0",
          "-N",
          "-o", "StrictHostKeyChecking=yes",
          "-o", `UserKnownHostsFile=${SSH_DIR}/known_hosts`,
          "-o", "ServerAliveInterval=15",
          "-o", "ServerAliveCountMax=3",
          "-o", "ExitOnForwardFailure=yes",
          "-i", `${SSH_DIR}/id`,
          "-p", String(args.tethys.port),
          "-L", `0.0.0.0:${DB_PROXY_PORT}:${forward}`,
          `${args.tethys.user}@${args.tethys.host}`,
        ]
      : ["socat", `TCP-LISTEN:${DB_PROXY_PORT},fork,reuseaddr`, `TCP:${forward}`];
  return {
    name: args.mode === "ssh-tunnel" ? "ssh-tunnel" : "tcp-forward",
    image: args.image,
    command,
    // autossh gives up after a failed first connection unless told every attempt counts.
    env: args.mode === "ssh-tunnel" ? [{ name: "AUTOSSH_GATETIME", value: "0" }] : [],
    ports: [{ name: "postgres", containerPort: DB_PROXY_PORT }],
    readinessProbe: tcpProbe(5),
    livenessProbe: tcpProbe(30),
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    volumeMounts: args.mode === "ssh-tunnel" ? [{ name: "ssh", mountPath: SSH_DIR, readOnly: true }] : [],
  };
}
