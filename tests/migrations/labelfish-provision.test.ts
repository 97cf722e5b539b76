import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createDatabase, serverUrl, withClient } from "../harness/postgres";
import { haveTools } from "../harness/tools";
import { createLoginRole } from "./fixtures";
import { psqlFile } from "./standard-runners";

const PROVISION = path.resolve(__dirname, "..", "..", "sql", "labelfish", "provision.sql");

/** "ok", or the SQLSTATE a login fails with. */
async function connectOutcome(url: string): Promise<string> {
  try {
    await withClient(url, (c) => c.query("SELECT 1"));
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe.skipIf(!haveTools(["psql"], ["postgresql-client"]))("sql/labelfish/provision.sql (run by the labelfish owner with psql)", () => {
  it("stops other roles (BI included) connecting, keeps Label Studio's role working, and is idempotent", async () => {
    // As on CrunchyBridge: the database belongs to a non-superuser owner; the others are plain login roles.
    const owner = await createLoginRole(serverUrl(), "lf_owner");
    const labelStudio = await createLoginRole(serverUrl(), "ls_user");
    const bi = await createLoginRole(serverUrl(), "bi_user");
    const url = await createDatabase("labelfish_like");
    await withClient(serverUrl(), (c) => c.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} OWNER TO ${owner.name}`));
    // Postgres' default: PUBLIC may connect, so BI can.
    expect(await connectOutcome(bi.as(url))).toBe("ok");

    for (let run = 0; run < 2; run++) {
      const result = psqlFile(owner.as(url), PROVISION, { singleTransaction: true, variables: { ls_user: labelStudio.name } });
      expect({ status: result.status, stderr: result.stderr.replace(/^psql:.*NOTICE:\s*/m, "").trim() }).toEqual({
        status: 0,
        stderr: `database ${new URL(url).pathname.slice(1)}: only its owner, superusers and ${labelStudio.name} may connect`,
      });
    }

    expect(await connectOutcome(bi.as(url))).toBe("42501");
    // What Label Studio's Django migrations and sessions do.
    const lsWork = await withClient(labelStudio.as(url), async (c) => {
      await c.query("CREATE TABLE django_migrations (id serial PRIMARY KEY, app text NOT NULL)");
      await c.query("INSERT INTO django_migrations (app) VALUES ('core')");
      await c.query("CREATE TEMP TABLE scratch (id int)");
      await c.query("CREATE SCHEMA ls_extra");
      return (await c.query("SELECT app FROM django_migrations")).rows;
    });
    expect(lsWork).toEqual([{ app: "core" }]);
    expect(await connectOutcome(owner.as(url))).toBe("ok");
  });

  it("refuses without a login role to grant to, changing nothing", async () => {
    const owner = await createLoginRole(serverUrl(), "lf_owner");
    const bi = await createLoginRole(serverUrl(), "bi_user");
    const url = await createDatabase("labelfish_like");
    await withClient(serverUrl(), (c) => c.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} OWNER TO ${owner.name}`));
    const missing = psqlFile(owner.as(url), PROVISION, { singleTransaction: true, variables: { ls_user: "no_such_role" } });
    expect({ status: missing.status, stderr: missing.stderr }).toMatchObject({ status: 3, stderr: expect.stringContaining("no login role no_such_role: create Label Studio's login role first") });
    const unset = psqlFile(owner.as(url), PROVISION, { singleTransaction: true });
    expect({ status: unset.status, stderr: unset.stderr }).toMatchObject({ status: 3, stderr: expect.stringContaining("pass Label Studio's login role: psql -v ls_user=<role>") });
    expect(await connectOutcome(bi.as(url))).toBe("ok");
  });
});
