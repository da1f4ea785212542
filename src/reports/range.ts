/**
 * The span a report covers: `from`/`to` (instants, or local dates of the report's zone)
 * or a preset, resolved against the clock. Presets are whole calendar windows of the zone;
 * `last_Nd` is the N local days ending with today. An open end stays null: the caller
 * closes it on the data it has.
 */
import { BudgetError } from '../domain/errors.js'
import { calendarWindow } from '../domain/periods.js'
import type { PeriodPreset } from '../domain/report.js'
import { isLocalDate, localDate, localDayStart } from './local-date.js'

export interface RangeRequest {
  from?: string | undefined
  to?: string | undefined
  period?: PeriodPreset | undefined
}

export interface ResolvedRange {
  fromMs: number | null
  toMs: number | null
}

export function resolveRange(request: RangeRequest, timeZone: string, nowMs: number): ResolvedRange {
  if (request.period !== undefined) return presetRange(request.period, timeZone, nowMs)
  const fromMs = request.from === undefined ? null : instantOf(request.from, timeZone, 'from')
  const toMs = request.to === undefined ? null : instantOf(request.to, timeZone, 'to')
  if (fromMs !== null && toMs !== null && fromMs >= toMs) {
    throw new BudgetError('VALIDATION_FAILED', `from ${request.from} is not before to ${request.to}`, { path: ['to'] })
  }
  return { fromMs, toMs }
}

function instantOf(text: string, timeZone: string, field: string): number {
  return isLocalDate(text) ? localDayStart(text, timeZone, field) : Date.parse(text)
}

export function presetRange(period: PeriodPreset, timeZone: string, nowMs: number): { fromMs: number; toMs: number } {
  const window = (p: 'daily' | 'weekly' | 'monthly', atMs: number) => {
    const w = calendarWindow(p, atMs, timeZone)
    return { fromMs: w.startMs, toMs: w.endMs }
  }
  const today = window('daily', nowMs)
  switch (period) {
    case 'today':
      return today
    case 'yesterday':
      return window('daily', today.fromMs - 1)
    case 'this_week':
      return window('weekly', nowMs)
    case 'last_week':
      return window('weekly', window('weekly', nowMs).fromMs - 1)
    case 'this_month':
      return window('monthly', nowMs)
    case 'last_month':
      return window('monthly', window('monthly', nowMs).fromMs - 1)
    case 'this_year': {
      const year = Number(localDate(nowMs, timeZone).slice(0, 4))
      return { fromMs: localDayStart(`${year}-01-01`, timeZone), toMs: localDayStart(`${year + 1}-01-01`, timeZone) }
    }
    case 'last_7d':
    case 'last_30d':
    case 'last_90d': {
      let fromMs = today.fromMs
      for (let day = 1; day < Number(period.slice(5, -1)); day++) fromMs = calendarWindow('daily', fromMs - 1, timeZone).startMs
      return { fromMs, toMs: today.toMs }
    }
  }
}
