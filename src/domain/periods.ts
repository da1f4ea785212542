/**
 * Periods and windows: the span of time in which a policy's usage counts.
 *
 * Windows, not resets: a window is computed from an instant, so nothing has to run for a
 * budget to start afresh. Calendar windows follow the wall clock of an IANA time zone
 * (hour, day, ISO week from Monday 00:00, month); rolling windows are spans of
 * epoch-aligned buckets. Calendar windows tile time: for every instant t,
 * start ≤ t < end, and the window at `end` starts at `end`, so no instant is counted in two
 * windows or in none — across DST changes and odd offsets (+5:30, +5:45, Lord Howe's
 * 30-minute DST) too.
 *
 * Pure: no clock, no I/O. Formatters and day starts are memoised per zone; that changes
 * speed, never results. Knows nothing of per_session / per_task, whose windows are keyed
 * by ids, not time.
 */
import { z } from 'zod'

export const Period = z.enum(['hourly', 'daily', 'weekly', 'monthly', 'per_session', 'per_task', 'rolling'])
export type Period = z.infer<typeof Period>

/** The periods whose windows follow the wall clock of a time zone. */
export const CalendarPeriod = Period.extract(['hourly', 'daily', 'weekly', 'monthly'])
export type CalendarPeriod = z.infer<typeof CalendarPeriod>
export const CALENDAR_PERIODS = CalendarPeriod.options

const calendarPeriods: ReadonlySet<string> = new Set(CALENDAR_PERIODS)

export function isCalendarPeriod(period: string): period is CalendarPeriod {
  return calendarPeriods.has(period)
}

/** A half-open span of instants [startMs, endMs), in epoch milliseconds. */
export interface TimeWindow {
  startMs: number
  endMs: number
}

const SECOND_MS = 1_000
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
// Before 1582 ICU's calendar turns Julian, which Date.UTC is not; the upper bound keeps
// years at four digits.
const MIN_INSTANT_MS = Date.UTC(1601, 0, 1)
const MAX_INSTANT_MS = Date.UTC(10_000, 0, 1)

const mod = (a: number, n: number): number => ((a % n) + n) % n

/** Whether `timeZone` is an IANA zone (or alias such as 'UTC', any letter case) this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    zoneClock(timeZone)
    return true
  } catch {
    return false
  }
}

/**
 * The calendar window of `period` that contains the instant `atMs`, by the wall clock of
 * the IANA zone `timeZone`.
 *
 * - daily / weekly / monthly run from the first instant of the local day (of the Monday,
 *   of the 1st) to the first instant of the next one: a day across a DST change lasts 23 or
 *   25 hours (23.5 / 24.5 on Lord Howe); where midnight is skipped, the day starts when
 *   the clock jumps; where a fall-back crosses midnight (St. John's until 2011: 00:01 →
 *   23:01), the re-shown hour of the old date belongs to the new day.
 * - hourly windows are instant-based: local clock hours under one UTC offset, and a change
 *   of offset always ends a window. A repeated hour (NY, first Sunday of November,
 *   01:00–02:00) is two windows of one hour each; a skipped hour has no window; on Lord
 *   Howe the half hour around a change is a window of its own. No window is ever longer
 *   than an hour.
 *
 * @throws RangeError for an unknown time zone or an instant outside the years 1601–9999.
 */
export function calendarWindow(period: CalendarPeriod, atMs: number, timeZone: string): TimeWindow {
  if (!(atMs >= MIN_INSTANT_MS && atMs < MAX_INSTANT_MS)) {
    throw new RangeError(`instant ${atMs} is outside the years 1601–9999`)
  }
  if (timeZone === 'UTC') return utcWindow(period, atMs)
  const zone = zoneClock(timeZone)
  if (zone.isUtc) return utcWindow(period, atMs)
  return period === 'hourly' ? zonedHour(zone, atMs) : zonedDays(zone, period, atMs)
}

/**
 * Bucket size of a rolling window: the window in at most 240 buckets, each a whole number
 * of seconds, at least one second. Equals max(1000, ceil(windowSeconds × 1000 / 240))
 * rounded up to a whole second.
 *
 * @throws RangeError unless windowSeconds is a positive integer.
 */
export function rollingBucketMs(windowSeconds: number): number {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`)
  }
  return Math.ceil(windowSeconds / 240) * SECOND_MS
}

/** Start of the epoch-aligned bucket of `bucketMs` that contains `atMs` (floors, also before 1970). */
export function bucketStart(atMs: number, bucketMs: number): number {
  return Math.floor(atMs / bucketMs) * bucketMs
}

/**
 * The buckets that make up the rolling window of `windowSeconds` ending at `atMs`
 * (inclusive): from the bucket holding atMs − windowSeconds·1000 + 1 to the end of the
 * bucket holding atMs.
 *
 * Conservative by design: it covers every instant of the last windowSeconds, and the first
 * bucket may add up to one bucket (less than 1/240 of the window) of older usage. That can
 * only over-count, never under-count, so a limit is never passed because of bucketing.
 *
 * @throws RangeError unless windowSeconds is a positive integer.
 */
export function rollingWindow(atMs: number, windowSeconds: number): TimeWindow {
  const bucketMs = rollingBucketMs(windowSeconds)
  return {
    startMs: bucketStart(atMs - windowSeconds * SECOND_MS + 1, bucketMs),
    endMs: bucketStart(atMs, bucketMs) + bucketMs,
  }
}

function utcWindow(period: CalendarPeriod, atMs: number): TimeWindow {
  if (period === 'hourly') {
    const startMs = bucketStart(atMs, HOUR_MS)
    return { startMs, endMs: startMs + HOUR_MS }
  }
  const [firstDay, endDay] = dayRange(period, Math.floor(atMs / DAY_MS))
  return { startMs: firstDay * DAY_MS, endMs: endDay * DAY_MS }
}

/** The local days (days since 1970-01-01 on the wall calendar) [first, end) of the window holding `day`. */
function dayRange(period: Exclude<CalendarPeriod, 'hourly'>, day: number): [number, number] {
  switch (period) {
    case 'daily':
      return [day, day + 1]
    case 'weekly': {
      // 1970-01-01 was a Thursday: three days after a Monday.
      const monday = day - mod(day + 3, 7)
      return [monday, monday + 7]
    }
    case 'monthly': {
      const date = new Date(day * DAY_MS)
      const year = date.getUTCFullYear()
      const month = date.getUTCMonth()
      return [Date.UTC(year, month, 1) / DAY_MS, Date.UTC(year, month + 1, 1) / DAY_MS]
    }
  }
}

interface ZoneClock {
  readonly format: Intl.DateTimeFormat
  readonly isUtc: boolean
  /** Local day → its first instant; a pure function of the zone, so safe to keep. */
  readonly dayStarts: Map<number, number>
}

const zones = new Map<string, ZoneClock>()
// Bounds only: ~600 zones exist, but their names are accepted in any letter case.
const MAX_CACHED_ZONES = 1_024
const MAX_CACHED_DAY_STARTS = 4_096

function zoneClock(timeZone: string): ZoneClock {
  const known = zones.get(timeZone)
  if (known !== undefined) return known
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch (cause) {
    throw new RangeError(`unknown time zone: ${timeZone}`, { cause })
  }
  const zone: ZoneClock = { format, isUtc: format.resolvedOptions().timeZone === 'UTC', dayStarts: new Map() }
  if (zones.size >= MAX_CACHED_ZONES) zones.clear()
  zones.set(timeZone, zone)
  return zone
}

// en-US with hourCycle h23 prints "M/D/YYYY, HH:MM:SS"; format() is ~3× faster than formatToParts().
const WALL_CLOCK = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/

/** The wall-clock reading of `atMs` in the zone, as epoch ms of that reading taken as UTC. */
function wallMs(zone: ZoneClock, atMs: number): number {
  const text = zone.format.format(atMs)
  const m = WALL_CLOCK.exec(text)
  if (m === null) throw new Error(`unexpected wall-clock format: ${text}`)
  const [, month, day, year, hour, minute, second] = m.map(Number)
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!) + mod(atMs, SECOND_MS)
}

/** UTC offset in effect at `atMs`, in ms (local = instant + offset). */
function offsetMs(zone: ZoneClock, atMs: number): number {
  return wallMs(zone, atMs) - atMs
}

/** First instant in (lo, hi] whose offset differs from lo's; the caller knows one exists. */
function firstOffsetChange(zone: ZoneClock, lo: number, hi: number): number {
  const before = offsetMs(zone, lo)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (offsetMs(zone, mid) === before) lo = mid
    else hi = mid
  }
  return hi
}

function zonedHour(zone: ZoneClock, atMs: number): TimeWindow {
  const wall = wallMs(zone, atMs)
  const offset = wall - atMs
  let startMs = bucketStart(wall, HOUR_MS) - offset
  let endMs = startMs + HOUR_MS
  // A local day of exactly 24 hours that holds atMs has one offset throughout (no zone
  // changes its offset twice within two days), so its hours need no further look.
  const day = Math.floor(wall / DAY_MS)
  const dayStartMs = dayStart(zone, day)
  const dayEndMs = dayStart(zone, day + 1)
  if (dayEndMs - dayStartMs === DAY_MS && dayStartMs <= atMs && atMs < dayEndMs) return { startMs, endMs }
  // Offsets change at most once an hour, so checking both ends finds any change inside.
  if (offsetMs(zone, startMs) !== offset) startMs = firstOffsetChange(zone, startMs, atMs)
  if (offsetMs(zone, endMs - 1) !== offset) endMs = firstOffsetChange(zone, atMs, endMs - 1)
  return { startMs, endMs }
}

function zonedDays(zone: ZoneClock, period: Exclude<CalendarPeriod, 'hourly'>, atMs: number): TimeWindow {
  const [firstDay, firstEndDay] = dayRange(period, Math.floor(wallMs(zone, atMs) / DAY_MS))
  let startMs = dayStart(zone, firstDay)
  let endDay = firstEndDay
  let endMs = dayStart(zone, endDay)
  // A fall-back across midnight (Newfoundland and Labrador until 2011: 00:01 → 23:01) shows
  // the old date again after the new day has begun; those instants belong to the new day.
  while (endMs <= atMs) {
    startMs = endMs
    endDay = dayRange(period, endDay)[1]
    endMs = dayStart(zone, endDay)
  }
  return { startMs, endMs }
}

/**
 * First instant whose local date is `day`: the earlier of two local midnights when it
 * repeats, the moment the clock jumps when it is skipped. Offsets are probed a day either
 * side, as Temporal does: no zone changes its offset twice within two days.
 */
function dayStart(zone: ZoneClock, day: number): number {
  const cached = zone.dayStarts.get(day)
  if (cached !== undefined) return cached
  const midnight = day * DAY_MS
  const before = offsetMs(zone, midnight - DAY_MS)
  const after = offsetMs(zone, midnight + DAY_MS)
  const readsMidnight = (offset: number) => offsetMs(zone, midnight - offset) === offset
  let startMs: number
  if (readsMidnight(before)) startMs = midnight - before
  else if (readsMidnight(after)) startMs = midnight - after
  else startMs = firstOffsetChange(zone, midnight - after, midnight - before)
  if (zone.dayStarts.size >= MAX_CACHED_DAY_STARTS) zone.dayStarts.clear()
  zone.dayStarts.set(day, startMs)
  return startMs
}
