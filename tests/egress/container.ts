import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes/types/output";
import { recordRegistrations } from "../harness/mocks";

/**
 * Runs a container's exact command on this machine the way a container runtime would start it,
 * for the real-tool tests of the egress components: everything on 127.0.0.1, every process
 * stopped by the test that started it.
 */

// The shapes of resolved inputs, as the engine receives them.
type Container = k8s.core.v1.Container;
type PodSpec = k8s.core.v1.PodSpec;
type Probe = k8s.core.v1.Probe;

const run = promisify(execFile);

/** A resource the component registered under the mock engine, secrets revealed. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG] !== undefined) return reveal(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** Constructs a component under Pulumi's mock engine and returns what it registered (secrets revealed). */
export async function registeredBy(construct: () => pulumi.ComponentResource): Promise<Registered[]> {
  const registered = recordRegistrations();
  const component = construct();
  await new Promise<string>((resolve) => component.urn.apply(resolve));
  // Children register asynchronously; the engine is done once nothing new arrives.
  for (let seen = -1; seen !== registered.length; ) {
    seen = registered.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return registered.map((r) => ({ type: r.type, name: r.name, inputs: reveal(r.inputs) as Record<string, unknown> }));
}

export function findRegistered(registered: Registered[], type: string, name: string): Record<string, unknown> {
  const found = registered.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} among ${registered.map((r) => r.name).join(", ")}`);
  return found.inputs;
}

/** The pod spec and its one container from a registered Deployment. */
export function podOf(deployment: Record<string, unknown>): { pod: PodSpec; container: Container } {
  const pod = (deployment as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
  const containers = pod.containers;
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  return { pod, container: containers[0] };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects, with what it said, when `process` ends or time runs out. */
export async function waitForPort(port: number, process: ContainerProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ended = process.ended();
    if (ended) throw new Error(ended);
    if (await accepts("127.0.0.1", port)) return;
    if (Date.now() > deadline) throw new Error(`nothing accepted on 127.0.0.1:${port} within ${timeoutMs} ms; the process wrote:\n${process.output() || "(nothing)"}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, host);
  });
}

/**
 * A pod's filesystem laid out under a temporary directory: each volume mount becomes a directory
 * as the kubelet makes it (a Secret's files behind `..data` symlinks, with the volume's
 * defaultMode, owned by the pod's user since no fsGroup is set; an emptyDir mode 0777), and every
 * other path, the image's root filesystem, lands in a directory tree of mode 0555. With
 * `readOnlyRootFilesystem` and every capability dropped (see `startAsContainer`), even root
 * cannot write there, as in the pod.
 */
export class PodFilesystem {
  readonly root: string;
  private readonly mounts: Array<{ containerPath: string; hostPath: string }> = [];

  constructor(pod: PodSpec, container: Container, secrets: Record<string, Record<string, string>>) {
    this.root = mkdtempSync(path.join(tmpdir(), "oceanid-pod-"));
    // squid and sshd drop to other users, who must reach the volumes inside.
    chmodSync(this.root, 0o755);
    const volumes = pod.volumes ?? [];
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.find((v) => v.name === mount.name);
      if (!volume) throw new Error(`volumeMount ${mount.name} has no volume`);
      const hostPath = path.join(this.root, "volumes", mount.name);
      mkdirSync(hostPath, { recursive: true });
      if (volume.secret) {
        const secret = volume.secret;
        const data = secrets[secret.secretName];
        if (!data) throw new Error(`no data given for Secret ${secret.secretName}`);
        mkdirSync(path.join(hostPath, "..data"));
        for (const [file, content] of Object.entries(data)) {
          writeFileSync(path.join(hostPath, "..data", file), content, { mode: secret.defaultMode ?? 0o644 });
          chmodSync(path.join(hostPath, "..data", file), secret.defaultMode ?? 0o644);
          symlinkSync(path.join("..data", file), path.join(hostPath, file));
        }
      } else if (volume.emptyDir) {
        chmodSync(hostPath, 0o777);
      } else {
        continue; // configMap and others: the test provides those files itself
      }
      this.mounts.push({ containerPath: mount.mountPath, hostPath });
    }
    const rootfs = path.join(this.root, "rootfs");
    mkdirSync(rootfs);
    chmodSync(rootfs, 0o555);
  }

  /** Where a path inside the container lives on this machine. */
  hostPath(containerPath: string): string {
    const mount = this.mounts.find((m) => containerPath === m.containerPath || containerPath.startsWith(`${m.containerPath}/`));
    if (mount) return mount.hostPath + containerPath.slice(mount.containerPath.length);
    return path.join(this.root, "rootfs", containerPath);
  }

  /** Makes a directory of the read-only root filesystem exist (as it does in the image), still read-only. */
  imageDirectory(containerPath: string): void {
    const rootfs = path.join(this.root, "rootfs");
    execFileSync("chmod", ["-R", "u+w", rootfs]);
    mkdirSync(this.hostPath(containerPath), { recursive: true });
    execFileSync("chmod", ["-R", "a-w", rootfs]);
  }

  /** Replaces every mount path inside `text` with where it lives here. */
  translate(text: string): string {
    let out = text;
    for (const m of this.mounts) out = out.split(m.containerPath).join(m.hostPath);
    return out;
  }

  /**
   * The container's environment here: the image's variables, then the container's own (they win,
   * as in Kubernetes); values that are paths move into this filesystem, devices stay.
   */
  environment(imageEnv: Record<string, string>, container: Container): Record<string, string> {
    const env: Record<string, string> = { ...imageEnv };
    for (const e of container.env ?? []) env[e.name] = e.value ?? "";
    for (const [name, value] of Object.entries(env)) {
      if (value.startsWith("/") && !value.startsWith("/dev/")) env[name] = this.hostPath(value);
    }
    return env;
  }

  remove(): void {
    // The root filesystem was made read-only; open it again so it can go.
    execFileSync("chmod", ["-R", "u+w", this.root]);
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface ContainerProcess {
  /** Everything the process wrote to its stdout and stderr so far. */
  output(): string;
  /** Undefined while running, otherwise how it ended and what it said. */
  ended(): string | undefined;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Signals the whole process group (SIGKILL after 3 s) and waits for the end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `argv` as a container's main process: its stdout and stderr are one anonymous pipe made
 * by a root shell, as the container runtime makes them (not the socket pair Node would hand over,
 * which /dev/stdout cannot reopen at all). With `dropAllCapabilities`, the process runs as the
 * securityContext `allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }` runs it: still
 * uid 0, but without CAP_DAC_OVERRIDE, so file modes bind it.
 */
export function startAsContainer(argv: string[], env: Record<string, string>, options: { dropAllCapabilities?: boolean } = {}): ContainerProcess {
  const securityContext = options.dropAllCapabilities ? ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs"] : [];
  const child = spawn("bash", ["-c", 'set -o pipefail; "$@" 2>&1 | cat', "container", ...securityContext, ...argv], {
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let ended: string | undefined;
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      ended = `${argv[0]} exited (${signal ?? `status ${code}`}); it wrote:\n${output || "(nothing)"}`;
      resolve();
    }),
  );
  return {
    output: () => output,
    ended: () => ended,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (ended) throw new Error(`waiting for ${pattern}: ${ended}`);
        if (Date.now() > deadline) throw new Error(`waiting for ${pattern}: not seen within ${timeoutMs} ms; output so far:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal = "SIGTERM") {
      if (ended || child.pid === undefined) return;
      // Helpers may leave the process group (squid's pinger calls setsid), so each is named by id.
      const pids = [-child.pid, ...descendants(child.pid)];
      const signalAll = (sig: NodeJS.Signals) => {
        for (const pid of pids) {
          try {
            process.kill(pid, sig);
          } catch {
            // already gone
          }
        }
      };
      signalAll(signal);
      const killer = setTimeout(() => signalAll("SIGKILL"), 3000);
      await exited;
      clearTimeout(killer);
      // Anything still there after the main process ended (orphans) goes now.
      await new Promise((resolve) => setTimeout(resolve, 100));
      signalAll("SIGKILL");
    },
  };
}

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces; the parent pid is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended meanwhile
    }
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/**
 * Runs a container probe the way the kubelet does: an exec probe passes when its command exits 0
 * within timeoutSeconds; a tcpSocket probe passes when the port accepts a connection (`ports`
 * maps the container's port to where it listens here).
 */
export async function probePasses(probe: Probe, env: Record<string, string>, ports: Record<number, number>): Promise<boolean> {
  if (probe.exec) {
    const [command, ...args] = probe.exec.command;
    try {
      await run(command, args, { env: { PATH: process.env.PATH ?? "", ...env }, timeout: Number(probe.timeoutSeconds ?? 1) * 1000 });
      return true;
    } catch {
      return false;
    }
  }
  if (probe.tcpSocket) {
    const port = ports[Number(probe.tcpSocket.port)];
    if (port === undefined) throw new Error(`no local port for container port ${String(probe.tcpSocket.port)}`);
    return accepts("127.0.0.1", port);
  }
  throw new Error(`probe kind not supported here: ${JSON.stringify(probe)}`);
}
