import { describe, expect, it } from "vitest";
import { lockKey } from "../../src/migrations/db";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, roleUrl, withClient } from "../harness/postgres";
import { migrationDir, SMALL_SCHEMA } from "./fixtures";

// A first file slow enough that two runs started together overlap.
const SLOW_SCHEMA = { ...SMALL_SCHEMA, "V1__schemas.sql": `SELECT pg_sleep(0.3);\n${SMALL_SCHEMA["V1__schemas.sql"]}` };

describe("the per-domain advisory lock", () => {
  it("lets two runners started at the same moment apply each file exactly once", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SLOW_SCHEMA);
    const logs: string[][] = [[], []];
    const results = await Promise.all(logs.map((log) => migrate({ databaseUrl: url, dir, log: (line) => log.push(line) })));
    const applied = results.map((r) => r.applied.map((f) => f.version)).sort((a, b) => b.length - a.length);
    expect(applied).toEqual([[1, 2, 10], []]);
    expect(results.map((r) => r.alreadyApplied).sort()).toEqual([0, 3]);
    const waited = logs.find((lines) => lines.some((l) => l.includes("waiting for the migration lock")));
    expect(waited?.[0]).toMatch(/^cleandata: waiting for the migration lock held by pid \d+ \(oceanid-migrate, role postgres, from 127\.0\.0\.1, connected \d{4}-/);
    const rows = await withClient(url, async (c) => (await c.query("SELECT version, count(*)::int AS n FROM control.schema_versions GROUP BY version ORDER BY version")).rows);
    expect(rows).toEqual([{ version: 1, n: 1 }, { version: 2, n: 1 }, { version: 10, n: 1 }]);
  });

  it("gives up after the lock timeout with a clear error, having changed nothing", async () => {
    const url = await createDatabase();
    await withClient(url, async (holder) => {
      await holder.query("SET application_name = 'workflow-run'");
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey("cleandata")]);
      const started = Date.now();
      await expect(migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA), lockTimeoutMs: 600 })).rejects.toThrow(
        /^Another migration run holds the "cleandata" lock \(pid \d+ \(workflow-run, role postgres, from 127\.0\.0\.1, connected [^)]+\)\); gave up after 0\.6s\. Wait for it to finish, or raise --lock-timeout\.$/,
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await holder.query("SELECT to_regnamespace('control') AS control")).rows).toEqual([{ control: null }]);
    });
  });

  it("is released when a file fails, so the next run starts at once", async () => {
    const url = await createDatabase();
    const broken = migrationDir({ ...SMALL_SCHEMA, "V11__broken.sql": "SELECT * FROM nowhere;" });
    await expect(migrate({ databaseUrl: url, dir: broken })).rejects.toThrow("V11__broken.sql:1:");
    const fixed = migrationDir({ ...SMALL_SCHEMA, "V11__fixed.sql": "SELECT 1;" });
    const result = await migrate({ databaseUrl: url, dir: fixed, lockTimeoutMs: 1 });
    expect(result.applied.map((f) => f.name)).toEqual(["fixed"]);
  });

  it("is held per domain", async () => {
    const url = await createDatabase();
    await withClient(url, async (holder) => {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey("ebisu")]);
      const result = await migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA), lockTimeoutMs: 1 });
      expect(result.applied).toHaveLength(3);
    });
  });

  describe("held by another role, which this role may not see the details of", () => {
    it("waits for it and then applies, naming the holder as far as it can see", async () => {
      const url = await createDatabase("t", { owner: "app" });
      const appUrl = roleUrl("app", url.split("/").pop()!.split("?")[0]);
      const log: string[] = [];
      await withClient(url, async (holder) => {
        await holder.query("SET application_name = 'workflow-run'");
        await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey("cleandata")]);
        const run = migrate({ databaseUrl: appUrl, dir: migrationDir(SMALL_SCHEMA), lockTimeoutMs: 10_000, log: (line) => log.push(line) });
        const settled = run.then(() => true, () => true);
        while (!log.some((l) => l.includes("waiting for the migration lock"))) {
          if (await Promise.race([settled, new Promise((resolve) => setTimeout(() => resolve(false), 50))])) break;
        }
        await holder.query("SELECT pg_advisory_unlock($1::bigint)", [lockKey("cleandata")]);
        const result = await run;
        expect(result.applied.map((f) => f.version)).toEqual([1, 2, 10]);
      });
      // pg_stat_activity shows another role's pid and name, not its address or start time.
      expect(log[0]).toMatch(/^cleandata: waiting for the migration lock held by pid \d+ \(workflow-run, role postgres\)$/);
    });

    it("gives up after the timeout with the same clear error", async () => {
      const url = await createDatabase("t", { owner: "app" });
      const appUrl = roleUrl("app", url.split("/").pop()!.split("?")[0]);
      await withClient(url, async (holder) => {
        await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey("cleandata")]);
        await expect(migrate({ databaseUrl: appUrl, dir: migrationDir(SMALL_SCHEMA), lockTimeoutMs: 500 })).rejects.toThrow(
          /^Another migration run holds the "cleandata" lock \(pid \d+ \(role postgres\)\); gave up after 0\.5s\./,
        );
      });
    });
  });
});
