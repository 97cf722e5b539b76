import type { Client } from "pg";

// Objects created by extensions are the extension's business (compared by extension version).
const NOT_FROM_EXTENSION = (classTable: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classTable}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/**
 * A description of everything a migration can create, from pg_catalog, as sorted lines
 * without OIDs or database names: two databases with equal descriptions have the same schema.
 */
const CATALOG_SQL = `
SELECT 'database-acl ' || coalesce((SELECT datacl::text FROM pg_database WHERE datname = current_database()), '')
UNION ALL
SELECT format('extension %s %s in %s', e.extname, e.extversion, n.nspname)
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
UNION ALL
SELECT format('schema %s acl=%s comment=%s', n.nspname, n.nspacl, obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n WHERE ${USER_SCHEMA}
UNION ALL
SELECT format('relation %s.%s kind=%s persistence=%s acl=%s comment=%s view=%s',
              n.nspname, c.relname, c.relkind, c.relpersistence, c.relacl, obj_description(c.oid, 'pg_class'),
              CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${USER_SCHEMA} AND c.relkind <> 'i' AND ${NOT_FROM_EXTENSION("pg_class", "c.oid")}
UNION ALL
SELECT format('column %s.%s #%s %s %s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s comment=%s',
              n.nspname, c.relname, a.attnum, a.attname, c.relkind, format_type(a.atttypid, a.atttypmod), a.attnotnull,
              pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, co.collname, a.attacl, col_description(c.oid, a.attnum))
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
 WHERE ${USER_SCHEMA} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${NOT_FROM_EXTENSION("pg_class", "c.oid")}
UNION ALL
SELECT format('constraint %s.%s %s %s deferrable=%s deferred=%s validated=%s',
              n.nspname, coalesce(c.relname, '-'), con.conname, pg_get_constraintdef(con.oid), con.condeferrable, con.condeferred, con.convalidated)
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
  LEFT JOIN pg_class c ON c.oid = con.conrelid
 WHERE ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION("pg_constraint", "con.oid")}
UNION ALL
SELECT format('index %s valid=%s comment=%s', pg_get_indexdef(i.indexrelid), i.indisvalid, obj_description(i.indexrelid, 'pg_class'))
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION("pg_class", "i.indexrelid")}
UNION ALL
SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${USER_SCHEMA} AND NOT t.tgisinternal
UNION ALL
SELECT format('function %s acl=%s comment=%s def=%s', p.oid::regprocedure, p.proacl, obj_description(p.oid, 'pg_proc'), pg_get_functiondef(p.oid))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE ${USER_SCHEMA} AND p.prokind IN ('f', 'p') AND ${NOT_FROM_EXTENSION("pg_proc", "p.oid")}
UNION ALL
SELECT format('type %s.%s kind=%s', n.nspname, t.typname, t.typtype)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE ${USER_SCHEMA} AND t.typtype IN ('e', 'd', 'r', 'c') AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
   AND ${NOT_FROM_EXTENSION("pg_type", "t.oid")}
UNION ALL
SELECT format('default-acl %s %s %s', pg_get_userbyid(d.defaclrole), coalesce(n.nspname, '-'), d.defaclobjtype) || ' ' || d.defaclacl::text
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
UNION ALL
SELECT format('event-trigger %s on %s tags=%s function=%s enabled=%s', e.evtname, e.evtevent, e.evttags, e.evtfoid::regprocedure, e.evtenabled)
  FROM pg_event_trigger e
`;

const VERSION_ROWS_SQL = `SELECT format('schema-version %s %s %s %s', domain, version, name, checksum) FROM control.schema_versions`;

export async function describeCatalog(client: Client): Promise<string[]> {
  // A database built without this runner (psql, dbmate) has no control.schema_versions to read rows from.
  const { rows: exists } = await client.query<{ present: boolean }>(`SELECT to_regclass('control.schema_versions') IS NOT NULL AS present`);
  const sql = exists[0]!.present ? `${CATALOG_SQL} UNION ALL ${VERSION_ROWS_SQL}` : CATALOG_SQL;
  const { rows } = await client.query<{ line: string }>(`SELECT line FROM (${sql}) AS catalog(line) ORDER BY line COLLATE "C"`);
  return rows.map((r) => r.line);
}

/** Each runner's own bookkeeping: ours, and dbmate's and Flyway's default history tables. */
const BOOKKEEPING = /^schema-version |\b(control\.schema_versions|public\.schema_migrations|public\.flyway_schema_history)\b/;

/** The catalog without any runner's bookkeeping: what the migration files themselves built. */
export function withoutBookkeeping(lines: readonly string[]): string[] {
  return lines.filter((line) => !BOOKKEEPING.test(line));
}

/** Lines only in `a` (prefixed "-") and only in `b` (prefixed "+"). */
export function catalogDifferences(a: readonly string[], b: readonly string[]): string[] {
  const inA = new Set(a);
  const inB = new Set(b);
  return [...a.filter((l) => !inB.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`)];
}
