/**
 * Daily, monthly and per-session reports in the shape ccusage users know: one row per
 * local date (YYYY-MM-DD), month (YYYY-MM) or session (contextId), the models used, tokens
 * by kind, cost, and a per-model breakdown; plus the totals. Days and months are calendar
 * windows of the report's zone, read through the usage report; sessions are read from the
 * 15-minute rollup, which keys on contextId.
 */
import { sql } from 'kysely'
import type { ActivityQuery, ActivityReport, ActivityRow } from '../domain/report.js'
import type { EngineContext } from '../engine/context.js'
import { localDate } from './local-date.js'
import { resolveRange } from './range.js'
import { ceilTo, filtersOf, floorTo, metricSums, QUARTER_HOURLY, resolveFilters, slices } from './rollup-source.js'
import { addSums, emptySums, type Sums, sumsOf, toTotals } from './totals.js'
import { groupedRows } from './usage-report.js'

const iso = (ms: number) => new Date(ms).toISOString()

interface Entry {
  label: string
  startMs: number | null
  endMs: number | null
  lastMs: number | null
  byModel: Map<string, Sums>
}

export async function activityReport(ctx: EngineContext, query: ActivityQuery): Promise<ActivityReport> {
  const timeZone = query.timeZone ?? ctx.timeZone
  const range = resolveRange(query, timeZone, ctx.now())
  const entries = query.by === 'session' ? await sessions(ctx, query, range) : await calendar(ctx, query, timeZone)
  const rows = entries.map(toRow)
  if (query.order === 'desc') rows.reverse()
  const total = emptySums()
  for (const entry of entries) for (const sums of entry.byModel.values()) addSums(total, sums)
  return {
    by: query.by,
    timeZone,
    from: range.fromMs === null ? null : iso(range.fromMs),
    to: range.toMs === null ? null : iso(range.toMs),
    rows,
    totals: toTotals(total),
  }
}

async function calendar(ctx: EngineContext, query: ActivityQuery, timeZone: string): Promise<Entry[]> {
  const byBucket = new Map<number, Entry>()
  const granularity = query.by === 'month' ? 'month' : 'day'
  for await (const row of groupedRows(ctx, { ...query, timeZone, granularity, groupBy: ['model'], limit: 1 })) {
    let entry = byBucket.get(row.bucketStartMs)
    if (entry === undefined) {
      const date = localDate(row.bucketStartMs, timeZone)
      entry = { label: granularity === 'month' ? date.slice(0, 7) : date, startMs: row.bucketStartMs, endMs: row.bucketEndMs, lastMs: null, byModel: new Map() }
      byBucket.set(row.bucketStartMs, entry)
    }
    entry.byModel.set(row.values[0] ?? '', row.sums)
  }
  return [...byBucket.values()]
}

/** Sessions in order of their last activity, oldest first. */
async function sessions(ctx: EngineContext, query: ActivityQuery, range: { fromMs: number | null; toMs: number | null }): Promise<Entry[]> {
  const filters = await resolveFilters(ctx.store.db, filtersOf(query))
  const slice = QUARTER_HOURLY.sliceMs
  const rows = await slices(ctx.store.db, QUARTER_HOURLY, {
    fromMs: range.fromMs === null ? 0 : floorTo(range.fromMs, slice),
    toMs: range.toMs === null ? Number.MAX_SAFE_INTEGER : ceilTo(range.toMs, slice),
    filters,
  })
    .select([
      sql<string>`${sql.ref('contextId')}`.as('contextId'),
      sql<string>`${sql.ref('model')}`.as('model'),
      sql<number>`min(${sql.ref('quarterStart')})`.as('firstMs'),
      sql<number>`max(${sql.ref('quarterStart')})`.as('lastMs'),
      ...metricSums(),
    ])
    .groupBy([sql.ref('contextId'), sql.ref('model')])
    .execute()
  const byContext = new Map<string, Entry>()
  for (const row of rows) {
    const first = Number(row.firstMs)
    const last = Number(row.lastMs)
    let entry = byContext.get(row.contextId)
    if (entry === undefined) {
      entry = { label: row.contextId, startMs: first, endMs: last + slice, lastMs: last, byModel: new Map() }
      byContext.set(row.contextId, entry)
    }
    entry.startMs = Math.min(entry.startMs ?? first, first)
    entry.endMs = Math.max(entry.endMs ?? 0, last + slice)
    entry.lastMs = Math.max(entry.lastMs ?? last, last)
    entry.byModel.set(row.model, sumsOf(row as Record<string, unknown>))
  }
  return [...byContext.values()].sort((a, b) => (a.lastMs ?? 0) - (b.lastMs ?? 0) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
}

function toRow(entry: Entry): ActivityRow {
  const total = emptySums()
  const breakdown = [...entry.byModel.entries()]
    .map(([model, sums]) => {
      addSums(total, sums)
      return { model, sums }
    })
    .sort((a, b) => (b.sums.costNano > a.sums.costNano ? 1 : b.sums.costNano < a.sums.costNano ? -1 : a.model < b.model ? -1 : 1))
    .map(({ model, sums }) => ({ model, totals: toTotals(sums) }))
  return {
    label: entry.label,
    start: entry.startMs === null ? null : iso(entry.startMs),
    end: entry.endMs === null ? null : iso(entry.endMs),
    models: breakdown.map((b) => b.model),
    totals: toTotals(total),
    breakdown,
    lastActivity: entry.lastMs === null ? null : iso(entry.lastMs),
  }
}

/** Export columns of the activity report; models are joined with a space. */
export const ACTIVITY_COLUMNS = ['label', 'start', 'end', 'models', 'requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'totalTokens', 'costUsd', 'unpricedRequests', 'lastActivity'] as const

export function flattenActivity(row: ActivityRow): Record<(typeof ACTIVITY_COLUMNS)[number], string | number | null> {
  return { label: row.label, start: row.start, end: row.end, models: row.models.join(' '), ...row.totals, lastActivity: row.lastActivity }
}
