import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_MIGRATIONS_DIR, type MigrationFileInput } from "./files";
import { bundledProvider } from "../dynamicProviders/bundled";
import { cleandataMigrationsProvider, MIGRATIONS_PROVIDER_VERSION } from "./provider";
import { DEFAULT_DOMAIN, type FileSummary } from "./runner";

export { migrationFileInputs } from "./files";

export interface CleandataMigrationsArgs {
  /** URL of the cleandata database (direct port, not the pooler). Stored only as a secret. */
  databaseUrl: pulumi.Input<string>;
  /** `migrationFileInputs(dir)`: a new or edited file shows as an update in preview. */
  files: pulumi.Input<MigrationFileInput[]>;
  /** Whether `pulumi up` applies pending files; false leaves them to the database-migrations workflow. */
  runOnUp: pulumi.Input<boolean>;
  /** How long to wait for another run's advisory lock (default 60). */
  lockTimeoutSeconds?: pulumi.Input<number>;
  /** Provider behaviour version; default MIGRATIONS_PROVIDER_VERSION. */
  version?: pulumi.Input<string>;
  /** Where the files are, relative to the Pulumi project directory (default sql/migrations). */
  migrationsDir?: pulumi.Input<string>;
  /** control.schema_versions domain (default cleandata). */
  domain?: pulumi.Input<string>;
}

/**
 * The cleandata migrations as a stack resource (`pulumi-nodejs:dynamic/cleandata:Migrations`).
 * Preview compares file checksums without touching the database; `up` runs pending files when
 * runOnUp is true; destroying it never drops anything.
 */
export class CleandataMigrations extends pulumi.dynamic.Resource {
  declare readonly database: pulumi.Output<string>;
  declare readonly databaseUrl: pulumi.Output<string>;
  declare readonly files: pulumi.Output<MigrationFileInput[]>;
  declare readonly latestVersion: pulumi.Output<number>;
  declare readonly latestAppliedVersion: pulumi.Output<number | null>;
  declare readonly ranMigrations: pulumi.Output<boolean>;
  declare readonly status: pulumi.Output<string>;
  declare readonly applied: pulumi.Output<Array<FileSummary & { ms: number }>>;

  constructor(name: string, args: CleandataMigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    if (Array.isArray(args.files) && args.files.length === 0) {
      throw new Error(`CleandataMigrations ${name}: files is empty; pass migrationFileInputs("${DEFAULT_MIGRATIONS_DIR}").`);
    }
    super(
      bundledProvider(cleandataMigrationsProvider, path.join(__dirname, "provider.ts"), "cleandataMigrationsProvider"),
      name,
      {
        databaseUrl: pulumi.secret(args.databaseUrl),
        files: args.files,
        runOnUp: args.runOnUp,
        lockTimeoutSeconds: args.lockTimeoutSeconds,
        version: args.version ?? MIGRATIONS_PROVIDER_VERSION,
        migrationsDir: args.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
        domain: args.domain ?? DEFAULT_DOMAIN,
        database: undefined,
        latestVersion: undefined,
        latestAppliedVersion: undefined,
        ranMigrations: undefined,
        status: undefined,
        applied: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["databaseUrl"] }),
      "cleandata",
      "Migrations",
    );
  }
}
