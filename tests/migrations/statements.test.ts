import { describe, expect, it } from "vitest";
import { soleStatement, splitStatements } from "../../src/migrations/statements";

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

describe("a file's sole statement without the parser", () => {
  it("agrees with the parser when the only semicolon ends the file", async () => {
    const files = [
      "-- oceanid:no-transaction\n-- why: built concurrently, \"quoted\" words\n\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING gin (name gin_trgm_ops);\n\n",
      "CREATE INDEX CONCURRENTLY i ON t (note)",
      "-- CRLF line ends\r\n\r\nCREATE INDEX CONCURRENTLY i ON t (note) ;  \r\n",
    ];
    for (const content of files) expect(soleStatement(content)).toEqual((await splitStatements("V1__x.sql", content))[0]);
  });

  it("leaves anything it cannot be sure of to the parser", async () => {
    const unsure = {
      "two statements": "CREATE INDEX CONCURRENTLY a ON t (c);\nCREATE INDEX CONCURRENTLY b ON t (c);",
      "a semicolon in a string": "COMMENT ON INDEX i IS 'a; b';",
      "a semicolon in a comment": "-- first; then\nCREATE INDEX CONCURRENTLY i ON t (c);",
      "a block comment (they nest)": "/* a /* b */ c */ CREATE INDEX CONCURRENTLY i ON t (c);",
      "no statement at all": "-- oceanid:no-transaction\n-- nothing here\n",
      "only a semicolon": ";\n",
    };
    for (const [what, content] of Object.entries(unsure)) expect({ what, sole: soleStatement(content) }).toEqual({ what, sole: undefined });
    expect(await splitStatements("V1__x.sql", unsure["a semicolon in a string"])).toHaveLength(1);
  });
});
