/**
 * `--since` as people write it: a date (`2026-02-10` or `20260210`, meaning the start of
 * that day in the configured time zone) or an ISO-8601 instant with a zone.
 */
import { BudgetError } from '../../domain/errors.js'
import { calendarWindow } from '../../domain/periods.js'

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/
const DAY_MS = 86_400_000

export function parseSince(text: string, timeZone: string): number {
  const date = DATE.exec(text.trim())
  if (date === null) {
    const ms = /T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN
    if (Number.isNaN(ms)) throw new BudgetError('VALIDATION_FAILED', `--since ${JSON.stringify(text)} is not a date (YYYY-MM-DD) or an ISO instant with a zone`, { value: text })
    return ms
  }
  const [, y, m, d] = date.map(Number) as [number, number, number, number]
  const target = `${date[1]}-${date[2]}-${date[3]}`
  const noonUtc = Date.UTC(y, m - 1, d, 12)
  if (new Date(noonUtc).toISOString().slice(0, 10) !== target) throw new BudgetError('VALIDATION_FAILED', `--since ${text} is not a calendar date`, { value: text })
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
  // UTC noon of the date lies in that local date or a neighbour (offsets reach ±14 h).
  for (const guess of [noonUtc, noonUtc - DAY_MS, noonUtc + DAY_MS]) {
    const window = calendarWindow('daily', guess, timeZone)
    if (format.format(window.startMs) === target) return window.startMs
  }
  throw new BudgetError('VALIDATION_FAILED', `--since ${text}: that day does not exist in ${timeZone}`, { value: text })
}
