import * as fs from "node:fs";
import * as path from "node:path";
import { catalogDifferences, describeCatalog } from "./catalog";
import { applyScript, renderConsolidated } from "./consolidate";
import { withClient } from "./db";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { migrationError } from "./errors";
import { CONSOLIDATED_FILE_NAME, readMigrationDir } from "./files";
import { DEFAULT_DOMAIN, migrate } from "./runner";

export interface VerifyReport {
  files: number;
  catalogLines: number;
}

const CONNECT = { connectTimeoutMs: 10_000 };

/**
 * The check a pull request runs without any real database: on a throw-away embedded Postgres,
 * apply every file from scratch, then again (must be a no-op); build a second database from
 * the consolidated file and require the same catalog; require the committed consolidated file
 * to be what the generator makes from the versioned files.
 */
export async function verifyMigrations(dir: string, log: (line: string) => void = () => {}): Promise<VerifyReport> {
  const files = readMigrationDir(dir);
  const expected = await renderConsolidated(files, DEFAULT_DOMAIN);
  const consolidatedPath = path.join(dir, CONSOLIDATED_FILE_NAME);
  const committed = fs.existsSync(consolidatedPath) ? fs.readFileSync(consolidatedPath, "utf8") : undefined;
  const problems: string[] = [];
  if (committed !== expected) {
    problems.push(`${consolidatedPath} is ${committed === undefined ? "missing" : "out of date"}: run \`oceanid migrate consolidate --dir ${dir}\` and commit the result.`);
  }

  log("verify: starting an embedded Postgres");
  const server = await startEmbeddedPostgres();
  try {
    await withClient(server.url("postgres"), CONNECT, async (c) => {
      await c.query("CREATE DATABASE verify_versioned");
      await c.query("CREATE DATABASE verify_consolidated");
    });
    const versionedUrl = server.url("verify_versioned");
    const first = await migrate({ databaseUrl: versionedUrl, dir, log });
    const second = await migrate({ databaseUrl: versionedUrl, dir, log });
    if (second.applied.length > 0) problems.push(`A second run applied ${second.applied.map((f) => `V${f.version}`).join(", ")} again; it must be a no-op.`);
    log(`verify: applied ${first.applied.length} files, re-run applied ${second.applied.length}`);

    const consolidatedUrl = server.url("verify_consolidated");
    await withClient(consolidatedUrl, CONNECT, (c) => applyScript(c, expected));
    const afterConsolidated = await migrate({ databaseUrl: consolidatedUrl, dir, log });
    if (afterConsolidated.applied.length > 0) problems.push(`After the consolidated file, migrate still applied ${afterConsolidated.applied.map((f) => `V${f.version}`).join(", ")}.`);

    const [versioned, consolidated] = await Promise.all([versionedUrl, consolidatedUrl].map((url) => withClient(url, CONNECT, describeCatalog)));
    const differences = catalogDifferences(versioned!, consolidated!);
    if (differences.length > 0) {
      problems.push(`The consolidated file builds a different catalog from the versioned files (- versioned, + consolidated):\n  ${differences.join("\n  ")}`);
    }
    if (problems.length > 0) throw migrationError(`Migration check failed:\n- ${problems.join("\n- ")}`);
    log(`verify: ok (${files.length} files, ${versioned!.length} catalog entries identical)`);
    return { files: files.length, catalogLines: versioned!.length };
  } finally {
    await server.stop();
  }
}
