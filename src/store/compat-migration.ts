/**
 * Migration 040-compat: the tables of the Tekton compatibility layer (src/compat/), the
 * same on both engines.
 *
 * compat_allocations holds Apollo's allocations: one row per context (the unique
 * context_id is Apollo's "one allocation per context"), with the tokens granted and
 * used. The budget an allocation holds back lives in an ordinary reservation, whose id
 * the row keeps; nothing here counts toward a policy by itself.
 */
import type { Kysely, Migration } from 'kysely'

export const compatMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('compat_allocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('context_id', 'text', (c) => c.notNull().unique())
      .addColumn('budget_id', 'text', (c) => c.notNull())
      .addColumn('reservation_id', 'text')
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('task_type', 'text', (c) => c.notNull())
      .addColumn('provider', 'text')
      .addColumn('model', 'text')
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('tokens_allocated', 'bigint', (c) => c.notNull())
      .addColumn('tokens_used', 'bigint', (c) => c.notNull())
      .addColumn('is_active', 'integer', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('compat_allocations_tier').on('compat_allocations').columns(['budget_id', 'tier']).execute()
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('compat_allocations').execute()
  },
}
