import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/cli";

// bin/pg-crypto-node.cjs stands in for pg's WebCrypto primitives in the CLI bundle. Each export
// must give the bytes pg's own gives, or SCRAM (and MD5) logins fail only through the CLI.

type Primitives = {
  randomBytes(length: number): Uint8Array;
  md5(text: string | Buffer): Promise<string>;
  postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string>;
  sha256(data: Buffer | ArrayBuffer): Promise<ArrayBuffer | Buffer>;
  hashByName(name: string, data: Buffer | ArrayBuffer): Promise<ArrayBuffer | Buffer>;
  hmacSha256(key: Buffer | ArrayBuffer, message: string): Promise<ArrayBuffer | Buffer>;
  deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer | Buffer>;
};

const ours = require(path.join(repoRoot, "bin", "pg-crypto-node.cjs")) as Primitives;
const pgs = require(path.join(repoRoot, "node_modules", "pg", "lib", "crypto", "utils.js")) as Primitives;
const hex = (bytes: ArrayBuffer | Buffer) => Buffer.from(bytes as ArrayBuffer).toString("hex");

describe("bin/pg-crypto-node.cjs", () => {
  it("has exactly pg's exports", () => {
    expect(Object.keys(ours).sort()).toEqual(Object.keys(pgs).sort());
  });

  it("derives, signs and hashes the same bytes as pg's WebCrypto primitives", async () => {
    const salt = Buffer.from("c2FsdHNhbHRzYWx0c2FsdA==", "base64");
    for (const password of ["s3cret", "pässwörd with spaces", "x"]) {
      for (const iterations of [1, 4096]) {
        expect(hex(await ours.deriveKey(password, salt, iterations))).toBe(hex(await pgs.deriveKey(password, salt, iterations)));
      }
    }
    const key = await pgs.deriveKey("s3cret", salt, 4096);
    for (const message of ["Client Key", "Server Key", "n=*,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef"]) {
      expect(hex(await ours.hmacSha256(key, message))).toBe(hex(await pgs.hmacSha256(key, message)));
      expect(hex(await ours.hmacSha256(Buffer.from(key as ArrayBuffer), message))).toBe(hex(await pgs.hmacSha256(key, message)));
    }
    expect(hex(await ours.sha256(key))).toBe(hex(await pgs.sha256(key)));
    for (const name of ["SHA-256", "SHA-384", "SHA-512"]) {
      expect(hex(await ours.hashByName(name, Buffer.from("certificate bytes")))).toBe(hex(await pgs.hashByName(name, Buffer.from("certificate bytes"))));
    }
    expect(await ours.postgresMd5PasswordHash("bi_reader", "pw", Buffer.from([1, 2, 3, 4]))).toBe(await pgs.postgresMd5PasswordHash("bi_reader", "pw", Buffer.from([1, 2, 3, 4])));
    expect(await ours.md5(Buffer.from("abc"))).toBe(await pgs.md5(Buffer.from("abc")));
  });

  it("gives fresh random bytes of the length asked", () => {
    const [a, b] = [ours.randomBytes(18), ours.randomBytes(18)];
    expect(a).toHaveLength(18);
    expect(Buffer.from(a).toString("base64")).not.toBe(Buffer.from(b).toString("base64"));
  });

  it("is what the CLI bundle carries in place of pg's WebCrypto module", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-pg-crypto-"));
    const saved = process.env.OCEANID_CLI_CACHE;
    process.env.OCEANID_CLI_CACHE = cache;
    try {
      const { build } = require(path.join(repoRoot, "bin", "cli-bundle.cjs")) as { build(root: string): Promise<Map<string, { text: string }>> };
      // The bundle of the command that connects: migrate.
      const { text } = (await build(repoRoot)).get("cli-migrate")!;
      expect(text).toContain("pbkdf2Sync");
      expect(text).not.toContain("subtleCrypto");
    } finally {
      if (saved === undefined) delete process.env.OCEANID_CLI_CACHE;
      else process.env.OCEANID_CLI_CACHE = saved;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
