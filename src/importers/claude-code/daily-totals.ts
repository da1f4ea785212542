/**
 * Totals of imported usage per local calendar day (in a given IANA zone) and per model,
 * as an import summary shows them. Costs add up as integer nano-USD.
 *
 * A day is the wall-clock date in the zone; every zone's offset is a multiple of 15
 * minutes, so the date is looked up once per quarter hour of UTC time.
 */
import { nanoToUsd } from '../../domain/money.js'
import type { UsageInput } from '../../domain/usage.js'

interface Sums {
  records: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  costNano: bigint
  unpriced: number
}

interface TotalsView {
  records: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  totalTokens: number
  costUsd: number
  unpricedRecords: number
}

export interface DayTotals extends TotalsView {
  /** YYYY-MM-DD in the zone. */
  date: string
}

export interface ModelTotals extends TotalsView {
  model: string
}

const QUARTER_HOUR_MS = 900_000

const empty = (): Sums => ({ records: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costNano: 0n, unpriced: 0 })

function view(s: Sums): TotalsView {
  return {
    records: s.records,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cacheReadTokens: s.cacheReadTokens,
    cacheWriteTokens: s.cacheWriteTokens,
    totalTokens: s.inputTokens + s.outputTokens + s.cacheReadTokens + s.cacheWriteTokens,
    costUsd: nanoToUsd(s.costNano),
    unpricedRecords: s.unpriced,
  }
}

export class DailyTotals {
  readonly #format: Intl.DateTimeFormat
  readonly #dateOfQuarter = new Map<number, string>()
  readonly #days = new Map<string, Sums>()
  readonly #models = new Map<string, Sums>()

  constructor(timeZone: string) {
    this.#format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
  }

  /** The local date of an instant, YYYY-MM-DD. */
  dateOf(atMs: number): string {
    const quarter = Math.floor(atMs / QUARTER_HOUR_MS)
    let date = this.#dateOfQuarter.get(quarter)
    if (date === undefined) {
      date = this.#format.format(quarter * QUARTER_HOUR_MS)
      this.#dateOfQuarter.set(quarter, date)
    }
    return date
  }

  add(record: UsageInput, atMs: number, costNano: number | null): void {
    for (const [map, key] of [
      [this.#days, this.dateOf(atMs)],
      [this.#models, record.model],
    ] as const) {
      let sums = map.get(key)
      if (sums === undefined) {
        sums = empty()
        map.set(key, sums)
      }
      sums.records++
      sums.inputTokens += record.inputTokens
      sums.outputTokens += record.outputTokens
      sums.cacheReadTokens += record.cacheReadTokens ?? 0
      sums.cacheWriteTokens += record.cacheWriteTokens ?? 0
      if (costNano === null) sums.unpriced++
      else sums.costNano += BigInt(costNano)
    }
  }

  days(): DayTotals[] {
    return [...this.#days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, s]) => ({ date, ...view(s) }))
  }

  models(): ModelTotals[] {
    return [...this.#models].sort(([, a], [, b]) => Number(b.costNano - a.costNano)).map(([model, s]) => ({ model, ...view(s) }))
  }
}
