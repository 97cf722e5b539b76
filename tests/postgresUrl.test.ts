import { describe, expect, it } from "vitest";
import { formatPostgresUrl, parsePostgresUrl } from "../src/postgresUrl";

describe("parsePostgresUrl", () => {
  it("decodes percent-encoded credentials and keeps sslmode", () => {
    expect(parsePostgresUrl("postgresql://ls%40user:p%40ss%2Fw%25rd%3A1@p.db.example.com:6543/labelfish?sslmode=verify-full")).toEqual({
      host: "p.db.example.com",
      port: 6543,
      database: "labelfish",
      user: "ls@user",
      password: "p@ss/w%rd:1",
      sslmode: "verify-full",
    });
  });

  it("accepts every TCP port, 1 and 65535 included", () => {
    expect(parsePostgresUrl("postgresql://u:p@h:1/db").port).toBe(1);
    expect(parsePostgresUrl("postgresql://u:p@h:65535/db").port).toBe(65535);
  });

  it("takes an IPv6 host without its brackets, as libpq expects it", () => {
    expect(parsePostgresUrl("postgresql://u:p@[2001:db8::5]:5432/db").host).toBe("2001:db8::5");
    expect(parsePostgresUrl("postgresql://u:p@[::1]/db").host).toBe("::1");
  });

  it("defaults the port to 5432 and sslmode to require", () => {
    expect(parsePostgresUrl("postgres://u:p@h/db")).toMatchObject({ port: 5432, sslmode: "require" });
  });

  it.each([
    ["mysql://u:hunter2@h/db", /postgres:\/\/ or postgresql:\/\//],
    ["postgresql://u@h/db", /missing its password/],
    ["postgresql://u:hunter2@h", /missing its database/],
    ["postgresql://u:hunter2@h:99999/db", /the port \(1-65535\)/],
    ["postgresql://u:hunter2@h:0/db", /invalid port/],
    ["postgresql://u:hunter2@h/db?sslmode=maybe", /^has sslmode=maybe; use one of disable, allow, prefer, require, verify-ca, verify-full$/],
    ["postgresql://u:hunter2@h/db?sslmod=require", /^has the parameter "sslmod", which is not supported here; use only sslmode, sslrootcert, sslcert, sslkey, application_name$/],
    ["postgresql://u:hunter2@h/db/x", /has a "\/" in its database name: percent-encode/],
    ["postgresql://u:hunter2@h/db%2Fx", /has a "\/" in its database name: percent-encode/],
    // Passwords with special characters left unencoded: each would otherwise become a host or database name.
    ["postgresql://u:hunter2%@h/db", /not a well-formed URL: percent-encode/],
    ["postgresql://u:hunter2%4@h/db", /not a well-formed URL: percent-encode/],
    ["postgresql://u:hunter2@x@h/db", /not a well-formed URL: percent-encode/],
    ["postgresql://u:hunter2/x@h/db", /not a well-formed URL: percent-encode/],
    ["postgresql://u:hunter2#x@h/db", /not a well-formed URL: percent-encode/],
    ["postgresql://u:hunter2?x@h/db", /not a well-formed URL: percent-encode/],
    ["jdbc:postgresql://u:hunter2@h/db", /postgres:\/\/ or postgresql:\/\//],
    ["postgresql://h/db", /missing its user, password/],
  ])("rejects %s without quoting the password", (url, message) => {
    expect(() => parsePostgresUrl(url)).toThrow(message);
    try {
      parsePostgresUrl(url);
    } catch (err) {
      expect((err as Error).message).not.toContain("hunter2");
    }
  });
});

describe("formatPostgresUrl", () => {
  it("round-trips through the parser with every character that needs encoding", () => {
    const parts = { host: "egress-db-proxy.apps.svc.cluster.local", port: 5432, database: "cleandata", user: "post@gres", password: "a@b/c%d:e?f#g", sslmode: "require" };
    expect(parsePostgresUrl(formatPostgresUrl(parts))).toEqual(parts);
  });
});
