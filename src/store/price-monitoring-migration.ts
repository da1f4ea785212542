/**
 * Migration 020-price-monitoring: the price sources and their last outcome, what each
 * source last observed per model, and the price changes the monitor proposed with who
 * decided them. The same on both engines. Price versions themselves stay in model_prices
 * (effective_from / effective_to), which keeps every applied version.
 */
import type { Kysely, Migration } from 'kysely'

export const priceMonitoringMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('price_sources')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('trust', 'double precision', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('refresh_cron', 'text')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_success_at', 'bigint')
      .addColumn('last_error_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('observation_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('skipped_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('etag', 'text')
      .addColumn('last_modified', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('price_observations')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('source_model_id', 'text', (c) => c.notNull())
      .addColumn('input_nano', 'bigint', (c) => c.notNull())
      .addColumn('output_nano', 'bigint', (c) => c.notNull())
      .addColumn('cache_read_nano', 'bigint')
      .addColumn('cache_write_nano', 'bigint')
      .addColumn('cache_write_1h_nano', 'bigint')
      .addColumn('tiers', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('observed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('price_observations_pk', ['source_id', 'provider', 'model'])
      .execute()
    await db.schema.createIndex('price_observations_model').on('price_observations').columns(['provider', 'model']).execute()

    await db.schema
      .createTable('price_changes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('verified', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('price', 'text', (c) => c.notNull())
      .addColumn('previous', 'text')
      .addColumn('previous_version', 'text')
      .addColumn('change_ratio', 'double precision')
      .addColumn('effective_from', 'bigint', (c) => c.notNull())
      .addColumn('effective_to', 'bigint')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('applied_version', 'text')
      .execute()
    await db.schema.createIndex('price_changes_status').on('price_changes').columns(['status', 'created_at']).execute()
    await db.schema.createIndex('price_changes_model').on('price_changes').columns(['provider', 'model', 'created_at']).execute()
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['price_changes', 'price_observations', 'price_sources']) await db.schema.dropTable(table).ifExists().execute()
  },
}
