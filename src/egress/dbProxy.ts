import type * as k8sInput from "@pulumi/kubernetes/types/input";

type Container = k8sInput.core.v1.Container;

export const DB_PROXY_PORT = 5432;
/** Where the tunnel's key and known_hosts are mounted (from a Secret, mode 0400). */
export const SSH_DIR = "/etc/egress-db-proxy";
/**
 * A small writable directory (an emptyDir) for autossh's pid file. The jnovack/autossh image sets
 * AUTOSSH_PIDFILE=/tmp/autossh.pid, but the root filesystem is read-only here, and autossh exits 1
 * when it cannot write its pid file.
 */
export const RUN_DIR = "/run/autossh";

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
 * The environment autossh runs with, over the image's own (jnovack/autossh sets
 * AUTOSSH_PIDFILE=/tmp/autossh.pid, AUTOSSH_GATETIME=30, AUTOSSH_LOGLEVEL=0,
 * AUTOSSH_LOGFILE=/dev/stdout). The pid file moves to the writable RUN_DIR; every attempt counts
 * (otherwise autossh gives up after a failed first connection); and log level 6 makes autossh say
 * why it restarts ssh or stops, which level 0 hides entirely.
 */
export const AUTOSSH_ENV: Readonly<Record<string, string>> = { AUTOSSH_PIDFILE: `${RUN_DIR}/autossh.pid`, AUTOSSH_GATETIME: "0", AUTOSSH_LOGLEVEL: "6" };

/**
 * Readiness in tcp-forward mode: the upstream database accepts a TCP connection from this pod.
 * A TCP probe on the forwarder's own port passes whenever socat listens, even with the database
 * unreachable, because socat accepts first and dials the upstream only afterwards. socat is the
 * one tool the forwarder image surely has. It sends nothing, and Postgres does not complain about
 * a connection closed before its startup packet (with log_connections on, it still records one
 * "connection received" line per probe).
 */
function upstreamProbe(upstream: { host: string; port: number }) {
  return {
    exec: { command: ["socat", "-u", "OPEN:/dev/null", `TCP:${upstream.host}:${upstream.port},connect-timeout=3`] },
    initialDelaySeconds: 5,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
}

/**
 * The key file as OpenSSH needs it. A key pasted through `$(cat key)` loses its final newline, and
 * OpenSSH then rejects it ("Load key ...: error in libcrypto"); Windows line ends break it too.
 * Trailing blank space is never part of a key.
 */
export function sshKeyFile(text: string): string {
  return `${text.replace(/\r\n?/g, "\n").trimEnd()}\n`;
}

/**
 * The proxy container. TCP only in both modes, so TLS to the database stays end to end.
 * ssh-tunnel: autossh keeps a local forward through tethys open and restarts ssh when it dies;
 * host keys are checked strictly against the pinned known_hosts. tcp-forward: socat.
 * In ssh-tunnel mode readiness stays a TCP check on the forward: the database is dialled from
 * tethys, and the tunnel image has no client to test it with; operators watch the egress smoke
 * test (`oceanid smoke egress`, which connects through the proxy) and the autossh log.
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
    env: args.mode === "ssh-tunnel" ? Object.entries(AUTOSSH_ENV).map(([name, value]) => ({ name, value })) : [],
    ports: [{ name: "postgres", containerPort: DB_PROXY_PORT }],
    readinessProbe: args.mode === "ssh-tunnel" ? tcpProbe(5) : upstreamProbe(args.upstream),
    livenessProbe: tcpProbe(30),
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    volumeMounts:
      args.mode === "ssh-tunnel"
        ? [
            { name: "ssh", mountPath: SSH_DIR, readOnly: true },
            { name: "run", mountPath: RUN_DIR },
          ]
        : [],
  };
}
