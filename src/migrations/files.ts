import { checksum } from "./checksum";
import { migrationError } from "./errors";
import { looksLikeMigration, parseMigrationFileName } from "./file-name";
import { parseDirectives } from "./header";

/** Generated from the versioned files (see consolidate.ts); lives beside them but is not one of them. */
export const CONSOLIDATED_FILE_NAME = "consolidated_cleandata_schema.sql";

export const DEFAULT_MIGRATIONS_DIR = "sql/migrations";

export interface MigrationFile {
  version: number;
  name: string;
  fileName: string;
  path: string;
  content: string;
  checksum: string;
  transaction: boolean;
}

/** What the Pulumi resource takes as input: enough to show a new or edited file as a change. */
export interface MigrationFileInput {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Reads and validates every versioned file in `dir`, sorted by numeric version (V2 before V10).
 * Synchronous and deterministic: the Pulumi program calls it while building inputs.
 */
export function readMigrationDir(dir: string): MigrationFile[] {
  // Required on first use, keeping the CLI's start-up light.
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  let entries: import("node:fs").Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw migrationError(`Migrations directory ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass --dir with the folder holding the V<n>__<name>.sql files.`);
  }
  const files = entries
    .filter((e) => e.isFile() && e.name !== CONSOLIDATED_FILE_NAME && looksLikeMigration(e.name))
    .map((e): MigrationFile => {
      const { version, name } = parseMigrationFileName(e.name);
      const filePath = path.join(dir, e.name);
      const content = fs.readFileSync(filePath, "utf8");
      return { version, name, fileName: e.name, path: filePath, content, checksum: checksum(content), ...parseDirectives(e.name, content) };
    })
    .sort((a, b) => a.version - b.version || a.fileName.localeCompare(b.fileName));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw migrationError(`${files[i - 1]!.fileName} and ${files[i]!.fileName} share version ${files[i]!.version}; give the newer file the next free version.`);
    }
  }
  if (files.length === 0) throw migrationError(`No V<n>__<name>.sql files in ${dir}; pass --dir with the migrations folder.`);
  return files;
}

/** The `files` input of `CleandataMigrations`, in version order. */
export function migrationFileInputs(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFileInput[] {
  return readMigrationDir(dir).map(({ version, name, checksum }) => ({ version, name, checksum }));
}
