import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CleandataMigrationsInputs, CleandataMigrationsOutputs } from "../../src/migrations/provider";
import { migrationFileInputs } from "../../src/migrations/files";
import { serializeProvider, type SerializedProvider } from "../harness/provider";
import type * as pulumi from "@pulumi/pulumi";
import { createDatabase, withClient } from "../harness/postgres";
import { migrationDir, SMALL_SCHEMA, writeFiles } from "./fixtures";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
// Unresolvable: any attempt to connect would fail, so success proves no connection was tried.
const UNREACHABLE_URL = "postgresql://postgres:Pr0vider-pw@db.invalid:5432/cleandata";

let serialized: SerializedProvider<pulumi.dynamic.ResourceProvider>;
let provider: pulumi.dynamic.ResourceProvider;
beforeAll(() => {
  serialized = serializeProvider("src/migrations/provider.ts", "cleandataMigrationsProvider");
  provider = serialized.load();
});

function inputs(dir: string, overrides: Partial<CleandataMigrationsInputs> = {}): CleandataMigrationsInputs {
  return { databaseUrl: UNREACHABLE_URL, files: migrationFileInputs(dir), runOnUp: false, version: "1", migrationsDir: dir, domain: "cleandata", ...overrides };
}

const tables = (url: string) =>
  withClient(url, async (c) => (await c.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('stage', 'curated') ORDER BY 1")).rows.map((r) => r.t));

describe("CleandataMigrations provider (serialized as the engine does)", () => {
  it("captures no secret in its serialized code", () => {
    expect(serialized.containsSecrets).toBe(false);
    // The only URLs with user info in the code are the USER:PASSWORD placeholders of its messages.
    expect(serialized.text).not.toMatch(/postgres(ql)?:\/\/(?!USER:PASSWORD@)\w+:/);
  });

  it("check accepts valid inputs, tolerates an unknown URL during preview, and names bad properties", async () => {
    const dir = migrationDir(SMALL_SCHEMA);
    const good = inputs(dir);
    expect(await provider.check!({}, good)).toEqual({ inputs: good });
    expect(await provider.check!({}, { ...good, databaseUrl: UNKNOWN })).toEqual({ inputs: { ...good, databaseUrl: UNKNOWN } });
    const bad = await provider.check!({}, { ...good, databaseUrl: "mysql://x", files: [...good.files].reverse(), lockTimeoutSeconds: -1 });
    expect(bad.failures).toEqual([
      { property: "databaseUrl", reason: "must be a postgres:// URL (cleandataDbUrl)" },
      { property: "files", reason: "must be sorted by version without duplicates (use migrationFileInputs())" },
      { property: "lockTimeoutSeconds", reason: expect.stringContaining(">0") },
    ]);
  });

  it("diff shows a new file, a changed setting or a new URL as a change, with no database access", async () => {
    const dir = migrationDir(SMALL_SCHEMA);
    const created = (await provider.create(inputs(dir))).outs as CleandataMigrationsOutputs;
    expect(await provider.diff!("cleandata@cleandata", created, inputs(dir))).toEqual({ changes: false });

    writeFiles(dir, { "V11__new.sql": "SELECT 1;" });
    const changes = async (news: CleandataMigrationsInputs) => (await provider.diff!("cleandata@cleandata", created, news)).changes;
    expect(await changes(inputs(dir))).toBe(true);
    fs.rmSync(path.join(dir, "V11__new.sql"));
    expect(await changes(inputs(dir, { runOnUp: true }))).toBe(true);
    expect(await changes(inputs(dir, { version: "2" }))).toBe(true);
    expect(await changes(inputs(dir, { databaseUrl: UNREACHABLE_URL.replace("/cleandata", "/cleandata2") }))).toBe(true);
    expect(await changes(inputs(dir, { databaseUrl: UNKNOWN }))).toBe(true);
    // A refresh found the database behind the files: run again.
    expect(await provider.diff!("id", { ...created, runOnUp: true, latestAppliedVersion: 2 }, inputs(dir, { runOnUp: true }))).toEqual({ changes: true });
  });

  it("with runOnUp false, create and update only record the plan and say so", async () => {
    const dir = migrationDir(SMALL_SCHEMA);
    const { id, outs } = await provider.create(inputs(dir));
    expect(id).toBe("cleandata@cleandata");
    expect(outs).toMatchObject({
      database: "db.invalid:5432/cleandata",
      latestVersion: 10,
      latestAppliedVersion: null,
      ranMigrations: false,
      status: "runOnUp is false: recorded 3 files, ran nothing; the database-migrations workflow applies them.",
      applied: [],
    });
    const updated = await provider.update!(id, outs, inputs(dir));
    expect(updated.outs).toMatchObject({ ranMigrations: false });
  });

  it("with runOnUp true, create applies the files, update applies a new one, delete drops nothing, read reports the database", async () => {
    const url = await createDatabase("provider");
    const dir = migrationDir(SMALL_SCHEMA);
    const created = await provider.create(inputs(dir, { databaseUrl: url, runOnUp: true }));
    expect(created.outs).toMatchObject({ ranMigrations: true, latestAppliedVersion: 10, status: "applied 3 files, 0 were already applied." });
    expect(created.outs.applied.map((f: { version: number }) => f.version)).toEqual([1, 2, 10]);

    writeFiles(dir, { "V11__flags.sql": "CREATE TABLE curated.flag_state (iso3 char(3) PRIMARY KEY);" });
    const updated = await provider.update!(created.id, created.outs, inputs(dir, { databaseUrl: url, runOnUp: true }));
    expect(updated.outs).toMatchObject({ latestVersion: 11, latestAppliedVersion: 11, status: "applied 1 files, 3 were already applied." });

    await provider.delete!(created.id, updated.outs);
    expect(await tables(url)).toEqual(["curated.flag_state", "curated.vessel", "stage.document"]);

    await withClient(url, (c) => c.query("DELETE FROM control.schema_versions WHERE version = 11"));
    const read = await provider.read!(created.id, updated.outs);
    expect(read).toEqual({ id: created.id, props: { ...updated.outs, latestAppliedVersion: 10 } });
    expect((await provider.diff!(created.id, read.props as CleandataMigrationsOutputs, inputs(dir, { databaseUrl: url, runOnUp: true }))).changes).toBe(true);
  });

  it("refuses to apply files that changed since the inputs were computed", async () => {
    const url = await createDatabase("provider");
    const dir = migrationDir(SMALL_SCHEMA);
    const planned = inputs(dir, { databaseUrl: url, runOnUp: true });
    writeFiles(dir, { "V11__late.sql": "SELECT 1;" });
    await expect(provider.create(planned)).rejects.toThrow(`${dir} changed since these inputs were computed; run pulumi preview/up again.`);
    expect(await tables(url)).toEqual([]);
  });

  it("never puts the password in an error", async () => {
    const dir = migrationDir(SMALL_SCHEMA);
    const err = await provider.create(inputs(dir, { runOnUp: true, databaseUrl: "postgresql://postgres:Pr0vider-pw@127.0.0.1:1/cleandata" })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^Cannot reach Postgres at 127\.0\.0\.1:1\/cleandata: it refused the TCP connection.* \(ECONNREFUSED\)\. .*self-hosted runner.*oceanid firewall/);
    expect(`${err?.message} ${err?.stack}`).not.toContain("Pr0vider-pw");
  });
});
