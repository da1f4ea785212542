/**
 * What the PostgreSQL test set-up and the tests agree on. No vitest import: the global
 * set-up (pg-global-setup.ts) runs outside any test and may not load vitest's runtime.
 *
 * BUDGET_TEST_STORES=sqlite runs the store-parameterised suites on SQLite only (and
 * starts no server), for a quick loop while editing.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://… of the server's maintenance database; '' when no server was started. */
    pgAdminUrl: string
    /** Name of the migrated template database. */
    pgTemplate: string
    /** Every table of the template, with a fingerprint of its rows (see tableFingerprints). */
    pgTemplateTables: Record<string, string>
  }
}

export type StoreKind = 'sqlite' | 'postgres'

/** The engines a store-parameterised suite runs on: `describe.each(STORE_KINDS)`. */
export const STORE_KINDS: readonly StoreKind[] = (process.env.BUDGET_TEST_STORES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is StoreKind => s === 'sqlite' || s === 'postgres')

export const TEMPLATE_DATABASE = 'budget_template'

/** The fingerprint of a table without rows. */
export const EMPTY_TABLE = '0:'

/**
 * One query that fingerprints every ordinary (non-partition) table of a database: its row
 * count and an md5 of its rows. Comparing them with the template's says whether a test
 * left a table as it found it.
 */
export const TABLE_LIST_SQL = `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`

export function fingerprintSql(tables: readonly string[]): string {
  return tables
    .map((t) => `select '${t}' as name, count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as print from "${t}" x`)
    .join(' union all ')
}
