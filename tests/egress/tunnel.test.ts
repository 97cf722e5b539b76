import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EgressDbProxy } from "../../src/egress/component";
import { createDatabase } from "../harness/postgres";
import { findTool, haveRoot, haveTools } from "../harness/tools";
import { findRegistered, freePort, PodFilesystem, podOf, registeredBy, startAsContainer, waitForPort, type ContainerProcess } from "./container";

const run = promisify(execFile);

/**
 * The environment the jnovack/autossh image sets (its Dockerfile's ENV, unchanged from v1.2.0 to
 * the 2.x images: https://github.com/jnovack/autossh/blob/master/Dockerfile). The image declares
 * no USER, so the container runs as root.
 */
const AUTOSSH_IMAGE_ENV = {
  AUTOSSH_PIDFILE: "/tmp/autossh.pid",
  AUTOSSH_POLL: "30",
  AUTOSSH_GATETIME: "30",
  AUTOSSH_FIRST_POLL: "30",
  AUTOSSH_LOGLEVEL: "0",
  AUTOSSH_LOGFILE: "/dev/stdout",
  HOME: "/root",
};

const TOOLS = ["sshd", "ssh", "ssh-keygen", "autossh", "psql", "setpriv"];

describe.skipIf(!haveTools(TOOLS, ["openssh-server", "openssh-client", "autossh", "postgresql-client", "util-linux"]) || !haveRoot("sshd runs as root"))("egress-db-proxy ssh-tunnel against real OpenSSH and autossh", () => {
  let dir: string;
  let sshd: ContainerProcess;
  let sshdPort: number;
  let hostKey: string;
  let userKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "oceanid-sshd-"));
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tethys-host", "-f", path.join(dir, "host_key")]);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "egress-db-proxy", "-f", path.join(dir, "user_key")]);
    hostKey = readFileSync(path.join(dir, "host_key.pub"), "utf8").trim();
    userKey = readFileSync(path.join(dir, "user_key"), "utf8");
    writeFileSync(path.join(dir, "authorized_keys"), readFileSync(path.join(dir, "user_key.pub")));
    sshdPort = await freePort();
    // A stand-in for tethys: key-only logins for root, local forwards only.
    writeFileSync(
      path.join(dir, "sshd_config"),
      [
        `Port ${sshdPort}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host_key")}`,
        "PidFile none",
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        "StrictModes no",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "AllowTcpForwarding local",
        "X11Forwarding no",
        "PermitTTY no",
        "",
      ].join("\n"),
    );
    // sshd's privilege-separation directory; systemd makes it on a real host.
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    sshd = startAsContainer([findTool("sshd") as string, "-D", "-e", "-f", path.join(dir, "sshd_config")], {});
    await sshd.waitForOutput(/Server listening on 127\.0\.0\.1/);
  });

  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Registers EgressDbProxy for this sshd and the test database, lays out its pod, and runs the
   * registered autossh command there; `use` gets the tunnel and the port it listens on here.
   */
  async function withTunnel(database: URL, knownHosts: string, use: (tunnel: ContainerProcess, localPort: number) => Promise<void>): Promise<void> {
    // The key as `esc env set ... --secret "$(cat key)"` stores it: without its final newline.
    const pastedKey = userKey.trimEnd();
    const registered = await registeredBy(
      () =>
        new EgressDbProxy("egress-db-proxy", {
          namespace: "apps",
          mode: "ssh-tunnel",
          image: "jnovack/autossh:2.0.1",
          nodeName: "egress-node",
          podCidr: "10.42.0.0/16",
          serviceCidr: "10.43.0.0/16",
          database: { host: database.hostname, port: Number(database.port), database: database.pathname.slice(1), user: decodeURIComponent(database.username), sslmode: "disable", password: decodeURIComponent(database.password) },
          tethys: { host: "127.0.0.1", port: sshdPort, user: "root", privateKey: pastedKey, knownHosts },
        }),
    );
    const { pod, container } = podOf(findRegistered(registered, "kubernetes:apps/v1:Deployment", "egress-db-proxy"));
    const secret = findRegistered(registered, "kubernetes:core/v1:Secret", "egress-db-proxy-ssh") as { metadata: { name: string }; stringData: Record<string, string> };
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });

    const fs = new PodFilesystem(pod, container, { [secret.metadata.name]: secret.stringData });
    try {
      fs.imageDirectory("/tmp");
      fs.imageDirectory("/root");
      const localPort = await freePort();
      // Only the listen address moves (0.0.0.0:5432 in the pod), and mounted paths.
      const command = (container.command as string[]).map((arg) => fs.translate(arg.replace(/^0\.0\.0\.0:5432:/, `127.0.0.1:${localPort}:`)));
      expect(command.some((arg) => arg.startsWith(`127.0.0.1:${localPort}:`))).toBe(true);
      const tunnel = startAsContainer(command, fs.environment(AUTOSSH_IMAGE_ENV, container), { dropAllCapabilities: true });
      try {
        await use(tunnel, localPort);
      } finally {
        await tunnel.stop();
      }
    } finally {
      fs.remove();
    }
  }

  it("carries psql to the test database through the exact autossh command, in the pod's environment", async () => {
    const database = new URL(await createDatabase("tunnel"));
    await withTunnel(database, `[127.0.0.1]:${sshdPort} ${hostKey}`, async (tunnel, localPort) => {
      await waitForPort(localPort, tunnel);
      const through = new URL(database);
      through.port = String(localPort);
      const { stdout } = await run("psql", [through.toString(), "-X", "-v", "ON_ERROR_STOP=1", "-Atc", "select current_database()"], { timeout: 10_000 });
      expect(stdout.trim()).toBe(database.pathname.slice(1));
    });
  });

  it("refuses a tethys whose host key is not the pinned one, and says so in the container log", async () => {
    const database = new URL(await createDatabase("tunnel"));
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "impostor", "-f", path.join(dir, "other_host_key")]);
    const otherKey = readFileSync(path.join(dir, "other_host_key.pub"), "utf8").trim();
    await withTunnel(database, `[127.0.0.1]:${sshdPort} ${otherKey}`, async (tunnel, localPort) => {
      await tunnel.waitForOutput(/Host key verification failed/);
      await expect(waitForPort(localPort, tunnel, 500)).rejects.toThrow(/nothing accepted/);
    });
  });
});
