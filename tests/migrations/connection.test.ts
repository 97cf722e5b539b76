import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/migrations/runner";
import { serverUrl } from "../harness/postgres";
import { migrationDir, SMALL_SCHEMA } from "./fixtures";

const PASSWORD = "Sup3r-s3cret/pw";
const urlTo = (port: number) => `postgresql://postgres:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/cleandata?sslmode=disable`;

let servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

async function failure(options: Parameters<typeof migrate>[0]): Promise<Error> {
  const err = await migrate(options).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error("migrate succeeded; expected a connection failure");
  return err;
}

function expectNoSecret(err: Error): void {
  for (const text of [err.message, err.stack ?? ""]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
  }
}

describe("connection failures", () => {
  it("a server that never answers (a firewall dropping packets) fails within the timeout, pointing at the runner and firewall", async () => {
    const sockets: net.Socket[] = [];
    const port = await listen((socket) => sockets.push(socket));
    const started = Date.now();
    const err = await failure({ databaseUrl: urlTo(port), dir: migrationDir(SMALL_SCHEMA), connectTimeoutMs: 300 });
    sockets.forEach((s) => s.destroy());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toBe(
      `Cannot reach Postgres at 127.0.0.1:${port}/cleandata within 0.3s (no answer). The cleandata database only accepts allow-listed IPs: ` +
        `run migrations from the self-hosted runner (workflow database-migrations.yml), or add this machine's IP to the CrunchyBridge firewall ` +
        `(cb network add-firewall-rule; see "CrunchyBridge Firewall Management" in docs).`,
    );
    expectNoSecret(err);
  });

  it("a refused connection gets the same advice, not a raw socket error", async () => {
    const port = await listen(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const err = await failure({ databaseUrl: urlTo(port), dir: migrationDir(SMALL_SCHEMA), connectTimeoutMs: 2000 });
    expect(err.message).toMatch(new RegExp(`^Cannot reach Postgres at 127\\.0\\.0\\.1:${port}/cleandata within 2s \\(ECONNREFUSED\\)\\. The cleandata database only accepts allow-listed IPs`));
    expectNoSecret(err);
  });

  it("a server that says no (unknown database) is reported as such, without the password", async () => {
    const url = serverUrl("no_such_database").replace(/:[^:@]+@/, `:${encodeURIComponent(PASSWORD)}@`);
    const err = await failure({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) });
    expect(err.message).toMatch(/^Postgres at 127\.0\.0\.1:\d+\/no_such_database refused the connection: .+ \(SQLSTATE (3D000|28P01)\)\. Check the user, password and database name in the URL\.$/);
    expectNoSecret(err);
  });
});
