import type * as pulumi from "@pulumi/pulumi";
import { readAppliedRows } from "./control-table";
import { withClient } from "./db";
import { migrationError } from "./errors";
import { migrationFileInputs, type MigrationFileInput } from "./files";
import { describeTarget, scrubSecrets } from "./redact";
import { DEFAULT_CONNECT_TIMEOUT_MS, migrate, type FileSummary } from "./runner";
import { UNKNOWN } from "../dynamicProviders/unknown";

// This module reaches the provider host as an esbuild bundle (src/dynamicProviders/bundled.ts);
// packages and Node built-ins are required inside functions, on first use, which keeps the
// bundle's evaluation and the CLI's start-up light.

/** Bump when the provider's behaviour changes, so the change rolls out as a visible update. */
export const MIGRATIONS_PROVIDER_VERSION = "1";

export interface CleandataMigrationsInputs {
  /** Secret: marked secret by the resource, and an additional secret output. */
  databaseUrl: string;
  files: MigrationFileInput[];
  runOnUp: boolean;
  lockTimeoutSeconds?: number;
  version: string;
  /** Relative to the Pulumi project directory, where the provider process runs. */
  migrationsDir: string;
  domain: string;
}

export interface CleandataMigrationsOutputs extends CleandataMigrationsInputs {
  /** host:port/database, no credentials. */
  database: string;
  /** Highest version among the files. */
  latestVersion: number;
  /** Highest version recorded in control.schema_versions when last run or refreshed; null if never run. */
  latestAppliedVersion: number | null;
  ranMigrations: boolean;
  status: string;
  applied: Array<FileSummary & { ms: number }>;
}


function inputSchema() {
  const { z } = require("zod") as typeof import("zod");
  const file = z.object({ version: z.number().int().positive(), name: z.string().regex(/^[A-Za-z0-9_]+$/), checksum: z.string().regex(/^[0-9a-f]{64}$/) });
  return z.object({
    databaseUrl: z.string().refine((v) => v === UNKNOWN || /^postgres(ql)?:\/\/[^/]+/.test(v), "must be a postgres:// URL (cleandataDbUrl)"),
    files: z
      .array(file)
      .min(1, "no migration files: compute them with migrationFileInputs()")
      .refine((fs) => fs.every((f, i) => i === 0 || f.version > fs[i - 1]!.version), "must be sorted by version without duplicates (use migrationFileInputs())"),
    runOnUp: z.boolean(),
    lockTimeoutSeconds: z.number().int().positive().optional(),
    version: z.string().min(1),
    migrationsDir: z.string().min(1),
    domain: z.string().regex(/^[a-z][a-z0-9_]*$/),
  });
}

const latest = (files: readonly MigrationFileInput[]) => Math.max(0, ...files.map((f) => f.version));
const sameFiles = (a: readonly MigrationFileInput[], b: readonly MigrationFileInput[]) =>
  JSON.stringify(a.map((f) => [f.version, f.name, f.checksum])) === JSON.stringify(b.map((f) => [f.version, f.name, f.checksum]));

function withoutSecrets(inputs: CleandataMigrationsInputs): string {
  return `${inputs.domain}@${describeTarget(inputs.databaseUrl).split("/").pop()}`;
}

async function provision(inputs: CleandataMigrationsInputs): Promise<CleandataMigrationsOutputs> {
  const base = {
    ...inputs,
    database: describeTarget(inputs.databaseUrl),
    latestVersion: latest(inputs.files),
  };
  if (!inputs.runOnUp) {
    return {
      ...base,
      latestAppliedVersion: null,
      ranMigrations: false,
      status: `runOnUp is false: recorded ${inputs.files.length} files, ran nothing; the database-migrations workflow applies them.`,
      applied: [],
    };
  }
  try {
    // Apply exactly what the preview showed: the files on disk must still match the inputs.
    if (!sameFiles(migrationFileInputs(inputs.migrationsDir), inputs.files)) {
      throw migrationError(`${inputs.migrationsDir} changed since these inputs were computed; run pulumi preview/up again.`);
    }
    const result = await migrate({
      databaseUrl: inputs.databaseUrl,
      dir: inputs.migrationsDir,
      domain: inputs.domain,
      lockTimeoutMs: inputs.lockTimeoutSeconds === undefined ? undefined : inputs.lockTimeoutSeconds * 1000,
    });
    return {
      ...base,
      latestAppliedVersion: latest([...result.applied, ...inputs.files.slice(0, result.alreadyApplied)]),
      ranMigrations: true,
      status: `applied ${result.applied.length} files, ${result.alreadyApplied} were already applied.`,
      applied: result.applied,
    };
  } catch (err) {
    // migrate() scrubs its own errors; this covers the file check above too.
    throw new Error(scrubSecrets(err instanceof Error ? err.message : String(err), inputs.databaseUrl));
  }
}

/**
 * Dynamic provider of `CleandataMigrations`. check/diff never touch the network, so a preview in a
 * pull request needs no database; create/update run migrations only when runOnUp is true; delete
 * never drops anything.
 */
export const cleandataMigrationsProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) {
    const parsed = inputSchema().safeParse(news);
    if (parsed.success) return { inputs: news };
    return { failures: parsed.error.issues.map((i) => ({ property: String(i.path[0] ?? ""), reason: i.message })) };
  },

  async diff(_id: string, olds: CleandataMigrationsOutputs, news: CleandataMigrationsInputs) {
    const urlUnknown = news.databaseUrl === UNKNOWN;
    const changed =
      !sameFiles(olds.files ?? [], news.files) ||
      olds.runOnUp !== news.runOnUp ||
      olds.version !== news.version ||
      olds.lockTimeoutSeconds !== news.lockTimeoutSeconds ||
      olds.migrationsDir !== news.migrationsDir ||
      olds.domain !== news.domain ||
      urlUnknown ||
      olds.databaseUrl !== news.databaseUrl ||
      // A refresh found the database behind the files (e.g. restored from a backup): run again.
      (news.runOnUp && olds.latestAppliedVersion !== null && olds.latestAppliedVersion < latest(news.files));
    return { changes: changed };
  },

  async create(inputs: CleandataMigrationsInputs) {
    return { id: withoutSecrets(inputs), outs: await provision(inputs) };
  },

  async update(_id: string, _olds: CleandataMigrationsOutputs, news: CleandataMigrationsInputs) {
    return { outs: await provision(news) };
  },

  /** Refresh: where `pulumi up` runs migrations, reads the highest applied version back (read only). */
  async read(id: string, props: CleandataMigrationsOutputs) {
    if (!props.runOnUp) return { id, props };
    try {
      const rows = await withClient(props.databaseUrl, { connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS }, async (client) => {
        const exists = await client.query("SELECT to_regclass('control.schema_versions') IS NOT NULL AS present");
        return exists.rows[0].present ? readAppliedRows(client, props.domain) : [];
      });
      return { id, props: { ...props, latestAppliedVersion: rows.length ? Math.max(...rows.map((r) => r.version)) : null } };
    } catch (err) {
      throw new Error(scrubSecrets(err instanceof Error ? err.message : String(err), props.databaseUrl));
    }
  },

  /** Dropping a schema is never what removing this resource from the program means. */
  async delete() {},
};
