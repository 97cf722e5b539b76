import { describe, expect, it } from "vitest";
import { splitStatements } from "../../src/migrations/statements";

describe("splitting a file into statements", () => {
  it("uses Postgres' parser: dollar quotes, comments and strings with semicolons stay whole, lines are the first token's", async () => {
    const sql = [
      "-- header comment; not a statement",
      "CREATE TABLE t (note text DEFAULT 'a;b');",
      "",
      "/* block; comment */",
      "DO $$ BEGIN PERFORM 1; END $$;",
      "CREATE INDEX CONCURRENTLY i ON t (note)",
    ].join("\n");
    expect(await splitStatements("V1__x.sql", sql)).toEqual([
      { sql: "CREATE TABLE t (note text DEFAULT 'a;b')", line: 2, terminated: true },
      { sql: "DO $$ BEGIN PERFORM 1; END $$", line: 5, terminated: true },
      { sql: "CREATE INDEX CONCURRENTLY i ON t (note)", line: 6, terminated: false },
    ]);
  });

  it("counts lines past multi-byte characters", async () => {
    const statements = await splitStatements("V1__x.sql", "COMMENT ON SCHEMA s IS 'Fischereifahrzeuge – Größe';\nSELECT 1;");
    expect(statements.map((s) => [s.line, s.sql])).toEqual([[1, "COMMENT ON SCHEMA s IS 'Fischereifahrzeuge – Größe'"], [2, "SELECT 1"]]);
  });

  it("reports a syntax error with file and line, before anything runs", async () => {
    await expect(splitStatements("V4__bad.sql", "SELECT 1;\n\nCREATE TABLEE t (id int);")).rejects.toThrow('V4__bad.sql:3: syntax error at or near "TABLEE". Fix the SQL; nothing was run.');
  });
});
