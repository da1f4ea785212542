/**
 * Migration 030-reports: usage_quarter_hourly, the rollup that reports read when the
 * hourly rollup can't answer exactly — grouping or filtering by session (contextId, which
 * usage_hourly doesn't key on) and calendar buckets in zones whose offset is not a whole
 * number of hours (Asia/Kolkata +5:30, Asia/Kathmandu +5:45, Lord Howe's 30-minute DST):
 * every zone's offset since the 1970s is a multiple of 15 minutes, so 15-minute slices
 * tile their days exactly.
 *
 * Filled from what the store already holds: records grouped by quarter hour and session,
 * plus, for each hourly rollup row, whatever it counts beyond the records still stored
 * (retention deletes records, never rollups). That remainder has no session and sits at
 * the start of its hour.
 */
import { type Kysely, type Migration, sql } from 'kysely'

const METRICS = ['requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_nano', 'unpriced_requests'] as const
const KEYS = ['quarter_start', 'budget_id', 'provider', 'model', 'component', 'task_type', 'tier', 'context_id'] as const

export const reportsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    let table = db.schema
      .createTable('usage_quarter_hourly')
      .addColumn('quarter_start', 'bigint', (c) => c.notNull())
      .addColumn('budget_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('task_type', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('context_id', 'text', (c) => c.notNull())
    for (const metric of METRICS) table = table.addColumn(metric, 'bigint', (c) => c.notNull())
    await table.addPrimaryKeyConstraint('usage_quarter_hourly_pk', [...KEYS]).execute()
    await db.schema.createIndex('usage_quarter_hourly_context').on('usage_quarter_hourly').columns(['context_id', 'quarter_start']).execute()

    const columns = sql.join([...KEYS, ...METRICS].map((c) => sql.ref(c)))
    const recordSums = sql`count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
      sum(reasoning_tokens), sum(coalesce(cost_nano, 0)), sum(case when cost_nano is null then 1 else 0 end)`
    await sql`insert into usage_quarter_hourly (${columns})
      select ("timestamp" / 900000) * 900000, coalesce(budget_id, ''), provider, model, coalesce(component, ''),
        coalesce(task_type, ''), coalesce(tier, ''), coalesce(context_id, ''), ${recordSums}
      from usage_records
      group by 1, 2, 3, 4, 5, 6, 7, 8`.execute(db)

    const residual = sql.join(METRICS.map((m) => sql`h.${sql.ref(m)} - coalesce(r.${sql.ref(m)}, 0)`))
    const addExcluded = sql.join(METRICS.map((m) => sql`${sql.ref(m)} = usage_quarter_hourly.${sql.ref(m)} + excluded.${sql.ref(m)}`))
    // The select has a WHERE clause, which SQLite needs to parse INSERT … SELECT … ON CONFLICT.
    await sql`insert into usage_quarter_hourly (${columns})
      select h.hour_start, h.budget_id, h.provider, h.model, h.component, h.task_type, h.tier, '', ${residual}
      from usage_hourly h
      left join (
        select ("timestamp" / 3600000) * 3600000 as hour_start, coalesce(budget_id, '') as budget_id, provider, model,
          coalesce(component, '') as component, coalesce(task_type, '') as task_type, coalesce(tier, '') as tier,
          count(*) as requests, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
          sum(cache_read_tokens) as cache_read_tokens, sum(cache_write_tokens) as cache_write_tokens,
          sum(reasoning_tokens) as reasoning_tokens, sum(coalesce(cost_nano, 0)) as cost_nano,
          sum(case when cost_nano is null then 1 else 0 end) as unpriced_requests
        from usage_records
        group by 1, 2, 3, 4, 5, 6, 7
      ) r on r.hour_start = h.hour_start and r.budget_id = h.budget_id and r.provider = h.provider and r.model = h.model
        and r.component = h.component and r.task_type = h.task_type and r.tier = h.tier
      where h.requests > coalesce(r.requests, 0)
      on conflict (${sql.join(KEYS.map((k) => sql.ref(k)))}) do update set ${addExcluded}`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('usage_quarter_hourly').ifExists().execute()
  },
}
