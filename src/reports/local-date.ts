/**
 * Local calendar dates of a time zone: the label of an instant (YYYY-MM-DD, YYYY-MM) and
 * the first instant of a named date. Pure; formatters are memoised per zone.
 */
import { BudgetError } from '../domain/errors.js'
import { calendarWindow } from '../domain/periods.js'

const DAY_MS = 86_400_000
const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/
const formats = new Map<string, Intl.DateTimeFormat>()

function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone)
  if (format === undefined) {
    // en-CA prints dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    if (formats.size > 1_000) formats.clear()
    formats.set(timeZone, format)
  }
  return format
}

/** The local date of an instant: `2026-03-10`. */
export const localDate = (atMs: number, timeZone: string): string => dateFormat(timeZone).format(atMs)

export const isLocalDate = (text: string) => DATE.test(text)

/**
 * The first instant of a local date (`2026-03-10` or `20260310`) in the zone.
 *
 * @throws BudgetError VALIDATION_FAILED for a date the calendar lacks or that the zone skipped.
 */
export function localDayStart(text: string, timeZone: string, field = 'date'): number {
  const match = DATE.exec(text)
  const target = match ? `${match[1]}-${match[2]}-${match[3]}` : ''
  const noonUtc = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 12) : Number.NaN
  if (!match || new Date(noonUtc).toISOString().slice(0, 10) !== target) {
    throw new BudgetError('VALIDATION_FAILED', `${field} ${text} is not a calendar date`, { path: [field], value: text })
  }
  // UTC noon of the date lies in that local date or a neighbour: offsets reach ±14 h.
  for (const guess of [noonUtc, noonUtc - DAY_MS, noonUtc + DAY_MS]) {
    const { startMs } = calendarWindow('daily', guess, timeZone)
    if (localDate(startMs, timeZone) === target) return startMs
  }
  throw new BudgetError('VALIDATION_FAILED', `${field} ${text} does not exist in ${timeZone}`, { path: [field], value: text })
}
