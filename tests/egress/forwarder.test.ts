import { execFile } from "node:child_process";
import { createServer, Socket, type Server } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EgressDbProxy } from "../../src/egress/component";
import { createDatabase } from "../harness/postgres";
import { haveTools } from "../harness/tools";
import { findRegistered, freePort, podOf, probePasses, registeredBy, startAsContainer, waitForPort, type ContainerProcess } from "./container";

const run = promisify(execFile);

/**
 * The network path from the egress node to the database, which the test can cut and restore:
 * a TCP relay on 127.0.0.1 in front of the test Postgres.
 */
class Upstream {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const db = new Socket();
      for (const s of [client, db]) {
        this.sockets.add(s);
        s.once("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      db.connect(this.target.port, this.target.host);
      client.pipe(db).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe.skipIf(!haveTools(["socat", "psql"], ["socat", "postgresql-client"]))("egress-db-proxy tcp-forward against a real socat", () => {
  let database: URL;
  let upstream: Upstream;
  let forwarder: ContainerProcess;
  let localPort: number;
  let readiness: () => Promise<boolean>;

  beforeAll(async () => {
    database = new URL(await createDatabase("forward"));
    upstream = new Upstream(await freePort(), { host: database.hostname, port: Number(database.port) });
    await upstream.up();
    const registered = await registeredBy(
      () =>
        new EgressDbProxy("egress-db-proxy", {
          namespace: "apps",
          mode: "tcp-forward",
          image: "alpine/socat:1.8.0.3",
          nodeName: "egress-node",
          podCidr: "10.42.0.0/16",
          serviceCidr: "10.43.0.0/16",
          database: { host: "127.0.0.1", port: upstream.port, database: database.pathname.slice(1), user: decodeURIComponent(database.username), sslmode: "disable", password: decodeURIComponent(database.password) },
          tethys: { host: "", port: 22, user: "", privateKey: "", knownHosts: "" },
        }),
    );
    const { container } = podOf(findRegistered(registered, "kubernetes:apps/v1:Deployment", "egress-db-proxy"));
    localPort = await freePort();
    // Only the listen address moves: port 5432 on every address in the pod, a free port on 127.0.0.1 here.
    const command = (container.command as string[]).map((arg) => arg.replace(/^TCP-LISTEN:5432,/, `TCP-LISTEN:${localPort},bind=127.0.0.1,`));
    expect(command.some((arg) => arg.startsWith(`TCP-LISTEN:${localPort},`))).toBe(true);
    forwarder = startAsContainer(command, {}, { dropAllCapabilities: true });
    await waitForPort(localPort, forwarder);
    readiness = () => probePasses(container.readinessProbe, {}, { 5432: localPort });
  });

  afterAll(async () => {
    await forwarder?.stop();
    await upstream?.down();
  });

  it("is ready, and carries psql to the database, while the upstream answers", async () => {
    expect(await readiness()).toBe(true);
    const through = new URL(database);
    through.hostname = "127.0.0.1";
    through.port = String(localPort);
    const { stdout } = await run("psql", [through.toString(), "-X", "-v", "ON_ERROR_STOP=1", "-Atc", "select current_database()"], { timeout: 10_000 });
    expect(stdout.trim()).toBe(database.pathname.slice(1));
  });

  it("is not ready while the upstream is unreachable, though socat still listens, and ready again once it is back", async () => {
    await upstream.down();
    try {
      expect(forwarder.ended()).toBeUndefined();
      expect(await readiness()).toBe(false);
    } finally {
      await upstream.up();
    }
    expect(await readiness()).toBe(true);
  });
});
