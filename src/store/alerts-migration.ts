/**
 * Migration 010-alerts: alerts, their channels and the delivery log, the same on both
 * engines. The unique dedup_key is what makes "one alert per policy, window and type"
 * hold across instances: the second insert of a key does nothing.
 *
 * Seeds one global `ws` channel, so that live WebSocket clients hear every alert until
 * someone narrows or removes it.
 */
import { type Kysely, type Migration, sql } from 'kysely'

/** The seeded channel's id: every new store starts with it. */
export const BUILT_IN_CHANNEL_ID = 'chn_websocket'

export const alertsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
      .addColumn('budget_id', 'text')
      .addColumn('policy_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('window_start', 'bigint')
      .addColumn('window_end', 'bigint')
      .addColumn('metric', 'text')
      .addColumn('value', 'bigint')
      .addColumn('limit_value', 'bigint')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('acknowledged_at', 'bigint')
      .addColumn('acknowledged_by', 'text')
      .execute()
    await db.schema.createIndex('alerts_time').on('alerts').columns(['created_at', 'id']).execute()
    await db.schema.createIndex('alerts_budget_time').on('alerts').columns(['budget_id', 'created_at']).execute()

    await db.schema
      .createTable('alert_channels')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('budget_id', 'text', (c) => c.references('budgets.id').onDelete('cascade'))
      .addColumn('url', 'text')
      .addColumn('secret', 'text')
      .addColumn('min_severity', 'text', (c) => c.notNull())
      .addColumn('types', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('alert_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('alert_id', 'text')
      .addColumn('channel_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('alert_deliveries_alert').on('alert_deliveries').columns(['alert_id', 'created_at']).execute()
    await db.schema.createIndex('alert_deliveries_channel').on('alert_deliveries').columns(['channel_id', 'created_at']).execute()

    const now = Date.now()
    await sql`insert into alert_channels (id, name, kind, budget_id, url, secret, min_severity, types, enabled, created_at, updated_at)
      values (${BUILT_IN_CHANNEL_ID}, 'websocket', 'ws', null, null, null, 'info', '[]', 1, ${now}, ${now})`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['alert_deliveries', 'alert_channels', 'alerts']) await sql`drop table if exists ${sql.table(table)}`.execute(db)
  },
}
