import { migrationError } from "./errors";

/** Flyway naming: `V<integer>__<name>.sql`, e.g. `V3__stage_documents.sql`. */
const PATTERN = /^V(\d+)__([A-Za-z0-9_]+)\.sql$/;

export interface ParsedFileName {
  version: number;
  name: string;
}

/** Whether a directory entry is meant to be a migration (so a near-miss name is an error, not silently skipped). */
export function looksLikeMigration(fileName: string): boolean {
  return /\.sql$/i.test(fileName) || /^v\d/i.test(fileName);
}

export function parseMigrationFileName(fileName: string): ParsedFileName {
  const match = PATTERN.exec(fileName);
  if (!match) {
    throw migrationError(
      `${fileName}: not a migration file name. Name it V<version>__<name>.sql with an integer version and a name of letters, digits and underscores, e.g. V7__curated_vessel_owners.sql.`,
    );
  }
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version) || version < 1 || version > 2_147_483_647) {
    throw migrationError(`${fileName}: version ${match[1]} is out of range; use an integer from 1 to 2147483647.`);
  }
  return { version, name: match[2]! };
}
