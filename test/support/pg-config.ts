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
  }
}

export type StoreKind = 'sqlite' | 'postgres'

/** The engines a store-parameterised suite runs on: `describe.each(STORE_KINDS)`. */
export const STORE_KINDS: readonly StoreKind[] = (process.env.BUDGET_TEST_STORES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is StoreKind => s === 'sqlite' || s === 'postgres')

export const TEMPLATE_DATABASE = 'budget_template'
