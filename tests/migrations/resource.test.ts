import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { recordRegistrations } from "../harness/mocks";
import { CleandataMigrations, migrationFileInputs } from "../../src/migrations/resource";
import { REPO_MIGRATIONS } from "./fixtures";

let registered: pulumi.runtime.MockResourceArgs[] = [];
const URL = "postgresql://postgres:Res0urce-pw@p.example.db.postgresbridge.com:5432/cleandata";

beforeAll(() => {
  registered = recordRegistrations();
});

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("CleandataMigrations", () => {
  it("registers under its own dynamic type with the file list as inputs and the URL only as a secret", async () => {
    const files = migrationFileInputs(REPO_MIGRATIONS);
    const migrations = new CleandataMigrations("cleandata-migrations", { databaseUrl: URL, files, runOnUp: false });
    await resolved(migrations.urn);
    expect(registered.map((r) => [r.type, r.name])).toEqual([["pulumi-nodejs:dynamic/cleandata:Migrations", "cleandata-migrations"]]);
    const { __provider, databaseUrl, ...inputs } = registered[0]!.inputs as Record<string, unknown>;
    expect(inputs).toEqual({ files, runOnUp: false, version: "1", migrationsDir: "sql/migrations", domain: "cleandata" });
    // Pulumi's wire form of a secret value: the engine encrypts it in state.
    expect(databaseUrl).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: URL });
    expect(typeof __provider).toBe("string");
    expect(__provider).not.toContain("Res0urce-pw");
    expect(await pulumi.isSecret(migrations.databaseUrl)).toBe(true);
    expect(files.map((f) => f.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("rejects an empty file list before registering anything", () => {
    const before = registered.length;
    expect(() => new CleandataMigrations("empty", { databaseUrl: URL, files: [], runOnUp: true })).toThrow(
      'CleandataMigrations empty: files is empty; pass migrationFileInputs("sql/migrations").',
    );
    expect(registered.length).toBe(before);
  });
});
