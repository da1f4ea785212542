/**
 * Calendar buckets of a report (hour, day, ISO week, month in an IANA zone) and the
 * arithmetic that lets the database put each rollup slice in its bucket.
 *
 * A bucket is exactly a calendar window of domain/periods.ts, DST days of 23 or 25 hours
 * included. Consecutive buckets of equal length form a run, inside which a slice's
 * bucket is `runStart + ⌊(t − runStart) / length⌋ × length`; a year of days in a DST zone
 * is five runs, a year of months twelve. The database evaluates one CASE over the runs,
 * in integer arithmetic on both engines.
 *
 * A slice belongs to the bucket that holds its start. Slices are 15 minutes or an hour
 * long and every zone's offset since the 1970s is a multiple of 15 minutes, so with the
 * right rollup (rollup-source.ts) no slice straddles a bucket and the sums are exact.
 */
import { invalid } from '../domain/errors.js'
import { calendarWindow, type CalendarPeriod, type TimeWindow } from '../domain/periods.js'
import type { Granularity } from '../domain/report.js'

const PERIOD: Record<Granularity, CalendarPeriod> = { hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' }

/** More buckets than this is a range too long for its granularity (5 years of hours). */
export const MAX_BUCKETS = 50_000

export interface Run {
  startMs: number
  lengthMs: number
  endMs: number
}

/** The calendar windows that cover [fromMs, toMs): the first holds fromMs, the last ends at or after toMs. */
export function bucketWindows(granularity: Granularity, fromMs: number, toMs: number, timeZone: string): TimeWindow[] {
  const windows: TimeWindow[] = []
  for (let t = fromMs; t < toMs; ) {
    const window = calendarWindow(PERIOD[granularity], t, timeZone)
    windows.push(window)
    t = window.endMs
    if (windows.length > MAX_BUCKETS) {
      throw invalid(`the range holds more than ${MAX_BUCKETS} ${granularity} buckets: narrow it or choose a coarser granularity`, { path: ['granularity'] })
    }
  }
  return windows
}

/** Consecutive windows of equal length, merged. */
export function runsOf(windows: readonly TimeWindow[]): Run[] {
  const runs: Run[] = []
  for (const w of windows) {
    const last = runs.at(-1)
    const lengthMs = w.endMs - w.startMs
    if (last !== undefined && last.endMs === w.startMs && last.lengthMs === lengthMs) last.endMs = w.endMs
    else runs.push({ startMs: w.startMs, lengthMs, endMs: w.endMs })
  }
  return runs
}

/** The window that starts at `startMs`, as the bucket of a report row. */
export function bucketAt(granularity: Granularity, startMs: number, timeZone: string): TimeWindow {
  return calendarWindow(PERIOD[granularity], startMs, timeZone)
}
