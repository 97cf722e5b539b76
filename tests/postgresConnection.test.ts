import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withClient as migrationClient } from "../src/migrations/db";
import { connectionPlan, connectPostgres } from "../src/postgresConnection";
import { makeCertificateAuthority } from "./harness/certificates";
import { caFile, roleUrl, serverUrl, type RoleName } from "./harness/postgres";

// Every sslmode against the run's Postgres: TLS from a private CA (certificate for IP:127.0.0.1
// only), plain connections allowed, and two roles the server's pg_hba.conf treats apart:
// tlsOnly is refused without TLS, plainOnly is refused with it.

let scratch: string;
let wrongCa: string;
let home: string;
let savedHome: string | undefined;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-sslmode-"));
  wrongCa = makeCertificateAuthority(scratch, "some-other-ca").certFile;
  // libpq's default root certificate file is ~/.postgresql/root.crt: start with none.
  home = path.join(scratch, "home");
  fs.mkdirSync(home);
  savedHome = process.env.HOME;
  process.env.HOME = home;
});

afterAll(() => {
  process.env.HOME = savedHome;
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The URL of `role` (default the superuser) with exactly these libpq parameters. */
function url(query: Record<string, string>, options: { role?: RoleName; host?: string; port?: number } = {}): string {
  let u = options.role ? roleUrl(options.role, "postgres", query) : serverUrl("postgres", query);
  if (options.host) u = u.replace("@127.0.0.1:", `@${options.host}:`);
  if (options.port) u = u.replace(/:\d+\/postgres/, `:${options.port}/postgres`);
  return u;
}

/** Whether the session the URL opens is encrypted, as the server sees it. */
async function tlsInUse(databaseUrl: string): Promise<boolean> {
  const client = await connectPostgres(databaseUrl);
  try {
    return (await client.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).rows[0]!.ssl;
  } finally {
    await client.end();
  }
}

/** The operator's message for a URL that cannot connect (the migration runner's path). */
async function failure(databaseUrl: string): Promise<string> {
  return migrationClient(databaseUrl, { connectTimeoutMs: 5000 }, async () => "connected").then(
    (v) => v,
    (err: Error) => err.message,
  );
}

/** A Postgres without TLS in front of the real one: answers the TLS request with 'N', then passes bytes through. */
let noTlsPort: number;
const proxySockets: net.Socket[] = [];
let proxy: net.Server;
beforeAll(async () => {
  const target = new URL(serverUrl());
  proxy = net.createServer((socket) => {
    proxySockets.push(socket);
    socket.once("data", (first) => {
      const upstream = net.connect(Number(target.port), "127.0.0.1");
      proxySockets.push(upstream);
      const sslRequest = first.length >= 8 && first.readUInt32BE(0) === 8 && first.readUInt32BE(4) === 80877103;
      if (sslRequest) socket.write("N");
      const rest = sslRequest ? first.subarray(8) : first;
      if (rest.length > 0) upstream.write(rest);
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  noTlsPort = (proxy.address() as net.AddressInfo).port;
});
afterAll(async () => {
  proxySockets.forEach((s) => s.destroy());
  await new Promise((resolve) => proxy.close(resolve));
});

describe("sslmode, as libpq means it, against a TLS server with a private CA", () => {
  it("disable: never TLS, so a role the server only admits over TLS is refused, with advice", async () => {
    expect(await tlsInUse(url({ sslmode: "disable" }))).toBe(false);
    expect(await failure(url({ sslmode: "disable" }, { role: "tlsOnly" }))).toMatch(
      /refused the connection: .*no encryption.* \(SQLSTATE 28000\)\. The server's access rules refuse this connection without TLS: use sslmode=require or stronger\.$/,
    );
  });

  it("allow: plain first, TLS when the server refuses plain", async () => {
    expect(await tlsInUse(url({ sslmode: "allow" }))).toBe(false);
    expect(await tlsInUse(url({ sslmode: "allow" }, { role: "tlsOnly" }))).toBe(true);
  });

  it("prefer (also the default): TLS first, plain when the server refuses TLS or has none", async () => {
    expect(await tlsInUse(url({ sslmode: "prefer" }))).toBe(true);
    expect(await tlsInUse(url({}))).toBe(true);
    expect(await tlsInUse(url({ sslmode: "prefer" }, { role: "plainOnly" }))).toBe(false);
    expect(await tlsInUse(url({ sslmode: "prefer" }, { port: noTlsPort }))).toBe(false);
  });

  it("require: TLS without checking the certificate, so a private CA works and no security warning is printed", async () => {
    const warn = vi.spyOn(process, "emitWarning");
    try {
      expect(await tlsInUse(url({ sslmode: "require" }))).toBe(true);
      expect(await tlsInUse(url({ sslmode: "require" }, { role: "app" }))).toBe(true);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("require: fails, with the reason, where TLS is not to be had", async () => {
    expect(await failure(url({ sslmode: "require" }, { port: noTlsPort }))).toMatch(/^Postgres at 127\.0\.0\.1:\d+\/postgres does not offer TLS, and sslmode=require requires it\./);
    expect(await failure(url({ sslmode: "require" }, { role: "plainOnly" }))).toMatch(/refused the connection: .*SSL encryption.* \(SQLSTATE 28000\)\. The server's access rules \(pg_hba\.conf\) refuse/);
  });

  it("require with a root CA file checks the certificate as verify-ca does: sslrootcert, or ~/.postgresql/root.crt", async () => {
    expect(await tlsInUse(url({ sslmode: "require", sslrootcert: caFile() }, { host: "localhost" }))).toBe(true);
    expect(await failure(url({ sslmode: "require", sslrootcert: wrongCa }))).toMatch(/is not trusted \(\w+\): sslmode=require checks it against .*some-other-ca\.crt, which did not issue it\./);
    fs.mkdirSync(path.join(home, ".postgresql"), { recursive: true });
    fs.copyFileSync(wrongCa, path.join(home, ".postgresql", "root.crt"));
    try {
      expect(await failure(url({ sslmode: "require" }))).toMatch(/is not trusted .* checks it against .*home\/\.postgresql\/root\.crt, which did not issue it\./);
      fs.copyFileSync(caFile(), path.join(home, ".postgresql", "root.crt"));
      expect(await tlsInUse(url({ sslmode: "require" }))).toBe(true);
    } finally {
      fs.rmSync(path.join(home, ".postgresql"), { recursive: true });
    }
  });

  it("verify-ca: the certificate must come from the CA in sslrootcert, whatever host name it names", async () => {
    expect(await tlsInUse(url({ sslmode: "verify-ca", sslrootcert: caFile() }))).toBe(true);
    expect(await tlsInUse(url({ sslmode: "verify-ca", sslrootcert: caFile() }, { host: "localhost" }))).toBe(true);
    const wrong = await failure(url({ sslmode: "verify-ca", sslrootcert: wrongCa }));
    expect(wrong).toMatch(/^The TLS certificate of Postgres at 127\.0\.0\.1:\d+\/postgres is not trusted \(\w+\): sslmode=verify-ca checks it against .*some-other-ca\.crt, which did not issue it\. Point sslrootcert at the CA certificate/);
    expect(wrong).not.toContain("Check the user");
    expect(await failure(url({ sslmode: "verify-ca" }))).toMatch(/^sslmode=verify-ca checks the server's certificate, but the root certificate file ".*home\/\.postgresql\/root\.crt" does not exist\./);
  });

  it("verify-full: the certificate must come from the CA and name the host connected to", async () => {
    expect(await tlsInUse(url({ sslmode: "verify-full", sslrootcert: caFile() }))).toBe(true);
    expect(await tlsInUse(url({ sslmode: "verify-full", sslrootcert: caFile() }, { role: "app" }))).toBe(true);
    const wrongHost = await failure(url({ sslmode: "verify-full", sslrootcert: caFile() }, { host: "localhost" }));
    expect(wrongHost).toMatch(/^The TLS certificate of Postgres at localhost:\d+\/postgres does not name that host \(Host: localhost\. .*\); sslmode=verify-full checks the host name\./);
    expect(wrongHost).not.toContain("Check the user");
    expect(await failure(url({ sslmode: "verify-full", sslrootcert: wrongCa }))).toMatch(/is not trusted .* sslmode=verify-full checks it against .*some-other-ca\.crt/);
    expect(await failure(url({ sslmode: "verify-full", sslrootcert: "system" }))).toMatch(/is not trusted .* checks it against the system's CAs/);
  });
});

describe("connectionPlan", () => {
  const env = (vars: NodeJS.ProcessEnv = {}) => ({ env: vars, homeDir: "/nonexistent" });
  const base = "postgresql://u:pw@db.example.com:5432/cleandata";
  const attempts = (u: string, vars?: NodeJS.ProcessEnv) => connectionPlan(u, env(vars)).attempts.map((a) => (a === false ? "plain" : a.rejectUnauthorized === false ? "tls" : "tls-checked"));

  it("maps each sslmode onto attempts as libpq makes them", () => {
    expect(attempts(`${base}?sslmode=disable`)).toEqual(["plain"]);
    expect(attempts(`${base}?sslmode=allow`)).toEqual(["plain", "tls"]);
    expect(attempts(`${base}?sslmode=prefer`)).toEqual(["tls", "plain"]);
    expect(attempts(base)).toEqual(["tls", "plain"]);
    expect(attempts(`${base}?sslmode=require`)).toEqual(["tls"]);
  });

  it("takes PGSSLMODE and PGSSLROOTCERT when the URL has no sslmode or sslrootcert, as libpq does", () => {
    expect(attempts(base, { PGSSLMODE: "disable" })).toEqual(["plain"]);
    expect(attempts(`${base}?sslmode=require`, { PGSSLMODE: "disable" })).toEqual(["tls"]);
    expect(connectionPlan(base, env({ PGSSLMODE: "verify-full", PGSSLROOTCERT: "system" })).rootCert).toBe("the system's CAs");
  });

  it("sslrootcert=system means verify-full and refuses weaker modes", () => {
    expect(connectionPlan(`${base}?sslrootcert=system`, env()).sslmode).toBe("verify-full");
    expect(() => connectionPlan(`${base}?sslmode=require&sslrootcert=system`, env())).toThrow(/^sslmode=require may not be used with sslrootcert=system/);
  });

  it("passes a client certificate and key from sslcert/sslkey, naming a file it cannot read", () => {
    const plan = connectionPlan(`${base}?sslmode=require&sslcert=${encodeURIComponent(caFile())}&sslkey=${encodeURIComponent(caFile())}`, env());
    expect(plan.attempts[0]).toMatchObject({ cert: fs.readFileSync(caFile(), "utf8"), key: fs.readFileSync(caFile(), "utf8") });
    expect(() => connectionPlan(`${base}?sslcert=/nonexistent/client.crt`, env())).toThrow('Cannot read the client certificate (sslcert) "/nonexistent/client.crt" (ENOENT).');
  });

  it("hands the driver explicit fields, never the URL, and names a bad URL without quoting it", () => {
    const plan = connectionPlan("postgresql://u%40x:p%2Fw@db.example.com:6543/cleandata?sslmode=disable&application_name=job", env());
    expect(plan.config).toEqual({ host: "db.example.com", port: 6543, database: "cleandata", user: "u@x", password: "p/w", application_name: "job" });
    expect(() => connectionPlan(`${base}?sslmod=require`, env())).toThrow('The database URL has the parameter "sslmod", which is not supported here');
  });
});
