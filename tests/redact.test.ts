import { describe, expect, it } from "vitest";
import { describeTarget, scrubSecrets } from "../src/migrations/redact";
import { redactSecrets, urlPasswords } from "../src/redact";

describe("redactSecrets", () => {
  it("masks a secret where it stands as a token, in every position", () => {
    expect(redactSecrets('auth failed for "Sup3r-s3cret/pw" (Sup3r-s3cret/pw), Bearer Sup3r-s3cret/pw', ["Sup3r-s3cret/pw"])).toBe(
      'auth failed for "[redacted]" ([redacted]), Bearer [redacted]',
    );
    expect(redactSecrets("GET /x?key=Sup3r-s3cret%2Fpw&y=1", ["Sup3r-s3cret/pw"])).toBe("GET /x?key=[redacted]&y=1");
  });

  it("does not mask inside words, which would reveal a short password", () => {
    expect(redactSecrets("the server accepts p but not pp", ["p"])).toBe("the server accepts [redacted] but not pp");
    expect(redactSecrets("accepts 2024 and 20", ["20"])).toBe("accepts 2024 and [redacted]");
  });

  it("masks the password of any URL with user info, known or not", () => {
    expect(redactSecrets("could not use postgresql://app:unknown%40pw@db:5432/x?sslmode=require", [])).toBe("could not use postgresql://app:[redacted]@db:5432/x?sslmode=require");
    // At the very start of the text, and quoted.
    expect(redactSecrets('postgresql://app:pw1@db/x: "postgres://app:pw2@db/y" refused', [])).toBe('postgresql://app:[redacted]@db/x: "postgres://app:[redacted]@db/y" refused');
  });

  it("masks a secret made of regex metacharacters literally, not as a pattern", () => {
    expect(redactSecrets("password s3cret.pw$ (not s3cretXpw$)", ["s3cret.pw$"])).toBe("password [redacted] (not s3cretXpw$)");
  });

  it("masks a secret that begins or ends with punctuation even where a word touches it", () => {
    // Punctuation is its own boundary: "admin!pw9!" would otherwise print the password.
    expect(redactSecrets("login admin!pw9!x refused", ["!pw9!"])).toBe("login admin[redacted]x refused");
  });

  it("ignores an empty secret (a credential left unset) and masks the others", () => {
    expect(redactSecrets("connection refused: (pw) ok", ["", "pw"])).toBe("connection refused: ([redacted]) ok");
  });

  it("finds no password where the URL has none, or is no URL", () => {
    expect(urlPasswords("postgresql://db.example.com:5432/app")).toEqual([]);
    expect(urlPasswords("postgresql://app:@db/x")).toEqual([]);
    expect(urlPasswords("not a url")).toEqual([]);
  });

  it("finds the password of a URL with blanks around it or a trailing newline, which node-postgres still connects with", () => {
    expect(urlPasswords("postgresql://app:pw@db/x\n")).toEqual(["pw"]);
    expect(urlPasswords(" postgresql://app:pw@db/x")).toEqual(["pw"]);
    expect(scrubSecrets("password pw refused", "postgresql://app:pw@db/x\n")).toBe("password [redacted] refused");
  });

  it("reads a malformed URL's password as either parser would, so it is masked too", () => {
    expect(urlPasswords("postgres://u:p@ss%word/x@host/db")).toEqual(["p", "p@ss%word/x"]);
    expect(scrubSecrets("host p@ss%word/x@host unknown; user u, password p", "postgres://u:p@ss%word/x@host/db")).toBe("host [redacted]@host unknown; user u, password [redacted]");
  });
});

describe("describeTarget", () => {
  it("prints host, port and database, never the user or password", () => {
    expect(describeTarget("postgresql://app:pw@db.example.com:6543/cleandata?sslmode=require")).toBe("db.example.com:6543/cleandata");
  });

  it("prints a fixed phrase for a URL it cannot parse, since any piece of it may be the password", () => {
    expect(describeTarget("postgresql://app:p@ss@db.example.com/cleandata")).toBe("<the database URL>");
  });
});
