import { describe, expect, it } from "vitest";
import { scrubSecrets } from "../src/migrations/redact";
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
  });

  it("reads a malformed URL's password as either parser would, so it is masked too", () => {
    expect(urlPasswords("postgres://u:p@ss%word/x@host/db")).toEqual(["p", "p@ss%word/x"]);
    expect(scrubSecrets("host p@ss%word/x@host unknown; user u, password p", "postgres://u:p@ss%word/x@host/db")).toBe("host [redacted]@host unknown; user u, password [redacted]");
  });
});
