/**
 * Schema migrations, written once with Kysely's schema builder for both engines. Kysely's
 * Migrator records what ran and, on PostgreSQL, holds a session advisory lock
 * (pg_advisory_lock) around the migrations, each run in one transaction, so two
 * instances starting at once on one database migrate once; the loser waits, then finds
 * nothing to do.
 *
 * The engines differ only where storage does: on PostgreSQL usage_records is partitioned
 * by month (partitions.ts creates the months; a default partition catches strays), so its
 * primary key has to include the partition key; the uniqueness of record ids lives in
 * usage_ids on both engines.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import { alertsMigration } from './alerts-migration.js'
import { priceMonitoringMigration } from './price-monitoring-migration.js'
import { compatMigration } from './compat-migration.js'
import { reportsMigration } from './reports-migration.js'

type Dialect = 'sqlite' | 'postgres'

const initial = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('budgets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('owner', 'text')
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()

    await db.schema
      .createTable('policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('budget_id', 'text', (c) => c.notNull().references('budgets.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('window_seconds', 'integer')
      .addColumn('token_limit', 'bigint')
      .addColumn('cost_limit_nano', 'bigint')
      // 'double precision', not 'real': PostgreSQL's real is 4 bytes, and 0.8 would read back
      // as 0.800000011920929. SQLite gives both the same 8-byte REAL affinity.
      .addColumn('warning_threshold', 'double precision', (c) => c.notNull())
      .addColumn('action_threshold', 'double precision', (c) => c.notNull())
      .addColumn('scope_tier', 'text')
      .addColumn('scope_provider', 'text')
      .addColumn('scope_model', 'text')
      .addColumn('scope_component', 'text')
      .addColumn('scope_task_type', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('policies_budget').on('policies').columns(['budget_id']).execute()

    await db.schema
      .createTable('reservations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('budget_id', 'text')
      .addColumn('context_id', 'text')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('component', 'text')
      .addColumn('task_type', 'text')
      .addColumn('tier', 'text')
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('tokens_reserved', 'bigint', (c) => c.notNull())
      .addColumn('cost_reserved_nano', 'bigint')
      .addColumn('tokens_used', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cost_used_nano', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('reservations_budget').on('reservations').columns(['budget_id', 'created_at']).execute()
    await db.schema.createIndex('reservations_context').on('reservations').columns(['context_id']).execute()

    await db.schema
      .createTable('reservation_holds')
      .addColumn('reservation_id', 'text', (c) => c.notNull())
      .addColumn('policy_id', 'text', (c) => c.notNull())
      .addColumn('scope_key', 'text', (c) => c.notNull())
      .addColumn('tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_nano', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('reservation_holds_pk', ['reservation_id', 'policy_id'])
      .execute()
    await db.schema
      .createIndex('reservation_holds_policy')
      .on('reservation_holds')
      .columns(['policy_id', 'scope_key', 'expires_at'])
      .execute()

    let usageRecords = db.schema
      .createTable('usage_records')
      .addColumn('id', 'text', (c) => (dialect === 'postgres' ? c.notNull() : c.primaryKey()))
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('budget_id', 'text')
      .addColumn('reservation_id', 'text')
      .addColumn('context_id', 'text')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('component', 'text')
      .addColumn('task_type', 'text')
      .addColumn('tier', 'text')
      .addColumn('operation', 'text')
      .addColumn('input_tokens', 'bigint', (c) => c.notNull())
      .addColumn('output_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_write_1h_tokens', 'bigint', (c) => c.notNull())
      .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_nano', 'bigint')
      .addColumn('price_version', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
    if (dialect === 'postgres') {
      usageRecords = usageRecords.addPrimaryKeyConstraint('usage_records_pk', ['id', 'timestamp']).modifyEnd(sql`partition by range ("timestamp")`)
    }
    await usageRecords.execute()
    if (dialect === 'postgres') await sql`create table usage_records_default partition of usage_records default`.execute(db)
    await db.schema.createIndex('usage_time').on('usage_records').columns(['timestamp', 'id']).execute()
    await db.schema.createIndex('usage_budget_time').on('usage_records').columns(['budget_id', 'timestamp']).execute()
    await db.schema.createIndex('usage_context').on('usage_records').columns(['context_id']).execute()

    await db.schema
      .createTable('usage_hourly')
      .addColumn('hour_start', 'bigint', (c) => c.notNull())
      .addColumn('budget_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('task_type', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('input_tokens', 'bigint', (c) => c.notNull())
      .addColumn('output_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
      .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_nano', 'bigint', (c) => c.notNull())
      .addColumn('unpriced_requests', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_hourly_pk', ['hour_start', 'budget_id', 'provider', 'model', 'component', 'task_type', 'tier'])
      .execute()
    await db.schema.createIndex('usage_hourly_budget').on('usage_hourly').columns(['budget_id', 'hour_start']).execute()

    await db.schema
      .createTable('policy_usage')
      .addColumn('policy_id', 'text', (c) => c.notNull())
      .addColumn('scope_key', 'text', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_nano', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_usage_pk', ['policy_id', 'scope_key', 'bucket_start'])
      .execute()

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute()

    await db.schema
      .createTable('model_prices')
      .addColumn('version', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('input_nano', 'bigint', (c) => c.notNull())
      .addColumn('output_nano', 'bigint', (c) => c.notNull())
      .addColumn('cache_read_nano', 'bigint')
      .addColumn('cache_write_nano', 'bigint')
      .addColumn('cache_write_1h_nano', 'bigint')
      .addColumn('tiers', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('match', 'text')
      .addColumn('effective_from', 'bigint', (c) => c.notNull())
      .addColumn('effective_to', 'bigint')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('verified', 'integer', (c) => c.notNull())
      .addColumn('deprecated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('model_prices_model').on('model_prices').columns(['provider', 'model', 'effective_from']).execute()

    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute()
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['meta', 'model_prices', 'api_keys', 'policy_usage', 'usage_hourly', 'usage_records', 'reservation_holds', 'reservations', 'policies', 'budgets']) {
      await sql`drop table if exists ${sql.table(table)}`.execute(db)
    }
  },
})

const usageIds: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('usage_ids')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('usage_ids_time').on('usage_ids').columns(['timestamp']).execute()
    await sql`insert into usage_ids (id, "timestamp") select id, "timestamp" from usage_records`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('usage_ids').execute()
  },
}

const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '001-initial': initial(dialect),
  '002-usage-ids': usageIds,
  '010-alerts': alertsMigration,
  '020-price-monitoring': priceMonitoringMigration,
  '030-reports': reportsMigration,
  '040-compat': compatMigration,
})

/** Brings the schema up to date; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) }
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed`, { cause: error })
  }
}
