import type { Client } from "pg";
import { migrationError, type MigrationError } from "./errors";

/** Label Studio's database: its schema belongs to Label Studio's own Django migrations. */
export const LABEL_STUDIO_DATABASE = "labelfish";

function refusal(what: string): MigrationError {
  return migrationError(`Refusing to migrate: ${what}. These migrations are for the cleandata database only; point --database-url (or DATABASE_URL) at cleandata (ESC key oceanid-cluster:cleandataDbUrl).`);
}

/** Checks the URL before connecting, so a wrong URL fails without touching any server. */
export function refuseLabelStudioUrl(databaseName: string | null | undefined): void {
  if (databaseName === LABEL_STUDIO_DATABASE) throw refusal(`the URL names the "${LABEL_STUDIO_DATABASE}" database (Label Studio)`);
}

/** Checks what the server says, whatever the URL says: current database and Label Studio's tables. */
export async function refuseLabelStudioDatabase(client: Client): Promise<void> {
  const { rows } = await client.query<{ db: string; django: string | null }>(
    `SELECT current_database() AS db,
            (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') LIMIT 1) AS django`,
  );
  const { db, django } = rows[0]!;
  if (db === LABEL_STUDIO_DATABASE) throw refusal(`database "${db}" is Label Studio's`);
  if (django !== null) throw refusal(`database "${db}" holds Label Studio's tables (${django}.django_migrations)`);
}
