import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, roleUrl, serverUrl } from "../harness/postgres";
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

const ALLOW_LIST_ADVICE =
  "The cleandata database only accepts allow-listed IPs: run migrations from the self-hosted runner (workflow database-migrations.yml), " +
  "or allow this machine's IP with `oceanid firewall --network <network id> --allow <this machine's IP>` (API key in CRUNCHY_BRIDGE_API_KEY).";

describe("connection failures", () => {
  it("a server that never answers (a firewall dropping packets) fails within the timeout, pointing at the runner and `oceanid firewall`", async () => {
    const sockets: net.Socket[] = [];
    const port = await listen((socket) => sockets.push(socket));
    const started = Date.now();
    const err = await failure({ databaseUrl: urlTo(port), dir: migrationDir(SMALL_SCHEMA), connectTimeoutMs: 300 });
    sockets.forEach((s) => s.destroy());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toBe(`Cannot reach Postgres at 127.0.0.1:${port}/cleandata: no answer within 0.3s. ${ALLOW_LIST_ADVICE}`);
    expectNoSecret(err);
  });

  it("a refused connection says what happened at once, without claiming a timeout", async () => {
    const port = await listen(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const err = await failure({ databaseUrl: urlTo(port), dir: migrationDir(SMALL_SCHEMA), connectTimeoutMs: 10_000 });
    expect(err.message).toBe(
      `Cannot reach Postgres at 127.0.0.1:${port}/cleandata: it refused the TCP connection: nothing listens on that port, or a firewall rejects it (ECONNREFUSED). ${ALLOW_LIST_ADVICE}`,
    );
    expectNoSecret(err);
  });

  it("a host name that does not resolve is named as such", async () => {
    const err = await failure({ databaseUrl: urlTo(5432).replace("127.0.0.1:5432", "no-such-host.invalid:5432"), dir: migrationDir(SMALL_SCHEMA) });
    expect(err.message).toMatch(/^Cannot reach Postgres at no-such-host\.invalid:5432\/cleandata: it has a host name that (does not resolve \(ENOTFOUND\)|could not be resolved .*\(EAI_AGAIN\))\. /);
    expect(err.message).not.toMatch(/within/);
  });

  it("a URL with an unencoded password fails before connecting, quoting no piece of it", async () => {
    const err = await failure({ databaseUrl: "postgres://u:p@ss%word/x@127.0.0.1/cleandata", dir: migrationDir(SMALL_SCHEMA) });
    expect(err.message).toBe(
      "The database URL is not a well-formed URL: percent-encode special characters in the user name and password (% → %25, @ → %40, / → %2F, : → %3A, ? → %3F, # → %23).",
    );
  });

  it("a server that says no (unknown database, wrong password) is reported as such, without the password", async () => {
    const missing = await failure({ databaseUrl: serverUrl("no_such_database"), dir: migrationDir(SMALL_SCHEMA) });
    expect(missing.message).toMatch(/^Postgres at 127\.0\.0\.1:\d+\/no_such_database refused the connection: database "no_such_database" does not exist \(SQLSTATE 3D000\)\. Check the database name in the URL\.$/);
    const wrong = await failure({ databaseUrl: serverUrl("postgres").replace(/:[^:@]+@/, `:${encodeURIComponent(PASSWORD)}@`), dir: migrationDir(SMALL_SCHEMA) });
    expect(wrong.message).toMatch(/^Postgres at 127\.0\.0\.1:\d+\/postgres refused the connection: password authentication failed for user "postgres" \(SQLSTATE 28P01\)\. Check the user name and password in the URL\.$/);
    expectNoSecret(wrong);
  });

  it("scrubs the password from a real server error that quotes it", async () => {
    const database = (await createDatabase("t", { owner: "app" })).split("/").pop()!.split("?")[0]!;
    const url = roleUrl("app", database);
    const password = decodeURIComponent(new URL(url).password);
    const err = await failure({ databaseUrl: url, dir: migrationDir({ ...SMALL_SCHEMA, "V11__echo.sql": `SELECT '${password}'::int;` }) });
    // Postgres quotes the bad value back: the message holds the password but for the scrubber.
    expect(err.message).toContain('invalid input syntax for type integer: "[redacted]"');
    expect(err.message).not.toContain(password);
    // The stack trace is kept for debugging, scrubbed the same way.
    expect(err.stack).toMatch(/^MigrationError: V11__echo\.sql:1: invalid input syntax for type integer: "\[redacted\]"/);
    expect(err.stack).not.toContain(password);
  });

  it("a role without USAGE on control gets advice naming the role, not a raw permission error", async () => {
    const url = await createDatabase();
    await migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) });
    const appUrl = roleUrl("app", url.split("/").pop()!.split("?")[0]);
    const err = await failure({ databaseUrl: appUrl, dir: migrationDir(SMALL_SCHEMA) });
    expect(err.name).toBe("MigrationError");
    expect(err.message).toMatch(/^Role "oceanid_app" lacks a privilege the migration runner needs: permission denied for schema control \(SQLSTATE 42501\)\. .*GRANT USAGE, CREATE ON SCHEMA control TO "oceanid_app"/);
  });
});
