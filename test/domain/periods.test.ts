import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CALENDAR_PERIODS,
  Period,
  bucketStart,
  calendarWindow,
  isCalendarPeriod,
  isValidTimeZone,
  rollingBucketMs,
  rollingWindow,
  type CalendarPeriod,
} from '../../src/domain/periods.js'

const HOUR_MS = 3_600_000
const at = (iso: string) => Date.parse(iso)
const hoursOf = (w: { startMs: number; endMs: number }) => (w.endMs - w.startMs) / HOUR_MS

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'America/Havana',
] as const
const DST_ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Havana'] as const
// Until 2011 St. John's changed at 00:01 local: mid-hour, and falling back across midnight.
const ODD_DST_ZONES = [...DST_ZONES, 'America/St_Johns'] as const

const anInstant = () => fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) - 1 })

// The test's own reading of the wall clock (formatToParts), independent of the module's.
const formats = new Map<string, Intl.DateTimeFormat>()
function wallClock(atMs: number, timeZone: string) {
  let format = formats.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    })
    formats.set(timeZone, format)
  }
  const part = Object.fromEntries(format.formatToParts(atMs).map((p) => [p.type, p.value]))
  const [year, month, day, hour, minute, second] = [part.year, part.month, part.day, part.hour, part.minute, part.second].map(Number) as [number, number, number, number, number, number]
  const offsetMs = Date.UTC(year, month - 1, day, hour, minute, second) - (atMs - (((atMs % 1000) + 1000) % 1000))
  return { year, month, day, hour, minute, weekday: part.weekday, offsetMs }
}

/** What all instants of one window share, read off the wall clock. */
function windowKey(period: CalendarPeriod, atMs: number, timeZone: string): string {
  const c = wallClock(atMs, timeZone)
  const date = `${c.year}-${c.month}-${c.day}`
  switch (period) {
    case 'hourly':
      return `${date} ${c.hour}h at ${c.offsetMs}`
    case 'daily':
      return date
    case 'weekly': {
      const day = Date.UTC(c.year, c.month - 1, c.day) / 86_400_000
      return `week of day ${day - ((((day + 3) % 7) + 7) % 7)}`
    }
    case 'monthly':
      return `${c.year}-${c.month}`
  }
}

/** Instants where the zone's UTC offset changes during `year` (scanned daily, then bisected). */
const changesByZoneYear = new Map<string, number[]>()
function offsetChanges(timeZone: string, year: number): number[] {
  const cacheKey = `${timeZone} ${year}`
  const known = changesByZoneYear.get(cacheKey)
  if (known !== undefined) return known
  const offset = (t: number) => wallClock(t, timeZone).offsetMs
  const changes: number[] = []
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) {
    let lo = t
    let hi = t + 86_400_000
    if (offset(lo) === offset(hi)) continue
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (offset(mid) === offset(lo)) lo = mid
      else hi = mid
    }
    changes.push(hi)
  }
  changesByZoneYear.set(cacheKey, changes)
  return changes
}

/** An instant within three hours of a DST change of one of `zones`. */
const anInstantNearDstChange = (zones: readonly string[]) =>
  fc
    .record({
      timeZone: fc.constantFrom(...zones),
      year: fc.integer({ min: 1990, max: 2099 }),
      pick: fc.nat(),
      deltaMs: fc.integer({ min: -3 * HOUR_MS, max: 3 * HOUR_MS }),
    })
    .filter(({ timeZone, year }) => offsetChanges(timeZone, year).length > 0)
    .map(({ timeZone, year, pick, deltaMs }) => {
      const changes = offsetChanges(timeZone, year)
      return { timeZone, atMs: changes[pick % changes.length]! + deltaMs }
    })

function expectTiling(period: CalendarPeriod, atMs: number, timeZone: string) {
  const window = calendarWindow(period, atMs, timeZone)

  expect(window.startMs).toBeLessThanOrEqual(atMs)
  expect(atMs).toBeLessThan(window.endMs)
  expect(calendarWindow(period, window.endMs, timeZone).startMs).toBe(window.endMs)
  expect(calendarWindow(period, window.startMs - 1, timeZone).endMs).toBe(window.startMs)
  expect(calendarWindow(period, window.startMs, timeZone)).toEqual(window)
  expect(calendarWindow(period, window.endMs - 1, timeZone)).toEqual(window)
}

function expectWallClockBounds(period: CalendarPeriod, atMs: number, timeZone: string) {
  const { startMs, endMs } = calendarWindow(period, atMs, timeZone)
  const key = windowKey(period, atMs, timeZone)

  expect(windowKey(period, startMs, timeZone)).toBe(key)
  expect(windowKey(period, endMs - 1, timeZone)).toBe(key)
  expect(windowKey(period, startMs - 1, timeZone)).not.toBe(key)
  expect(windowKey(period, endMs, timeZone)).not.toBe(key)
}

describe('Period', () => {
  it('accepts the seven periods and rejects others', () => {
    expect(Period.options).toEqual(['hourly', 'daily', 'weekly', 'monthly', 'per_session', 'per_task', 'rolling'])
    expect(Period.safeParse('fortnightly').success).toBe(false)
  })

  it('counts hourly, daily, weekly and monthly as calendar periods, and nothing else', () => {
    expect(Period.options.filter(isCalendarPeriod)).toEqual(['hourly', 'daily', 'weekly', 'monthly'])
    expect(CALENDAR_PERIODS).toEqual(['hourly', 'daily', 'weekly', 'monthly'])
  })
})

describe('calendarWindow', () => {
  describe.each(CALENDAR_PERIODS)('%s windows', (period) => {
    it('hold their instant, and each begins where the one before ends (1990–2100, seven zones)', () => {
      fc.assert(fc.property(fc.constantFrom(...ZONES), anInstant(), (timeZone, atMs) => {
        expectTiling(period, atMs, timeZone)
      }), { numRuns: 400 })
    })

    it('tile time around DST changes, Lord Howe’s 30-minute and St. John’s mid-hour ones included', () => {
      fc.assert(fc.property(anInstantNearDstChange(ODD_DST_ZONES), ({ timeZone, atMs }) => {
        expectTiling(period, atMs, timeZone)
      }), { numRuns: 400 })
    })

    it('around DST changes, are exactly the instants that share the wall-clock hour, day, week or month', () => {
      fc.assert(fc.property(anInstantNearDstChange(DST_ZONES), ({ timeZone, atMs }) => {
        expectWallClockBounds(period, atMs, timeZone)
      }), { numRuns: 400 })
    })

    it('are exactly the instants that share the wall-clock hour, day, ISO week or month', () => {
      fc.assert(fc.property(fc.constantFrom(...ZONES), anInstant(), (timeZone, atMs) => {
        expectWallClockBounds(period, atMs, timeZone)
      }), { numRuns: 400 })
    })

    it('never overlap for two instants: they share a window or the later one starts after', () => {
      fc.assert(fc.property(fc.constantFrom(...ZONES), anInstant(), fc.integer({ min: 1, max: 40 * 86_400_000 }), (timeZone, atMs, laterByMs) => {
        const first = calendarWindow(period, atMs, timeZone)
        const second = calendarWindow(period, atMs + laterByMs, timeZone)

        if (second.startMs !== first.startMs) expect(second.startMs).toBeGreaterThanOrEqual(first.endMs)
        else expect(second).toEqual(first)
      }), { numRuns: 400 })
    })
  })

  it('starts an ISO week on Monday: 2026-01-01, a Thursday, is in the week of 2025-12-29', () => {
    const window = calendarWindow('weekly', at('2026-01-01T12:00:00Z'), 'UTC')

    expect(window).toEqual({ startMs: at('2025-12-29T00:00:00Z'), endMs: at('2026-01-05T00:00:00Z') })
    expect(calendarWindow('weekly', at('2026-01-04T23:59:59.999Z'), 'UTC')).toEqual(window)
    expect(calendarWindow('weekly', at('2026-01-05T00:00:00Z'), 'UTC').startMs).toBe(at('2026-01-05T00:00:00Z'))
  })

  it('starts a Berlin week at local Monday midnight and gives the week of a DST change 167 hours', () => {
    const window = calendarWindow('weekly', at('2025-03-30T12:00:00Z'), 'Europe/Berlin')

    expect(window).toEqual({ startMs: at('2025-03-23T23:00:00Z'), endMs: at('2025-03-30T22:00:00Z') })
    expect(hoursOf(window)).toBe(167)
  })

  it('gives February 29 days in leap year 2024 and 28 days in 2025', () => {
    const feb2024 = calendarWindow('monthly', at('2024-02-29T23:59:59.999Z'), 'UTC')
    const feb2025 = calendarWindow('monthly', at('2025-02-14T00:00:00Z'), 'UTC')

    expect(feb2024).toEqual({ startMs: at('2024-02-01T00:00:00Z'), endMs: at('2024-03-01T00:00:00Z') })
    expect(hoursOf(feb2024)).toBe(29 * 24)
    expect(feb2025).toEqual({ startMs: at('2025-02-01T00:00:00Z'), endMs: at('2025-03-01T00:00:00Z') })
    expect(hoursOf(feb2025)).toBe(28 * 24)
  })

  it('rolls December over into January of the next year', () => {
    const december = calendarWindow('monthly', at('2025-12-31T23:59:59.999Z'), 'UTC')
    const january = calendarWindow('monthly', december.endMs, 'UTC')
    const berlinDecember = calendarWindow('monthly', at('2025-12-31T22:59:59.999Z'), 'Europe/Berlin')

    expect(december).toEqual({ startMs: at('2025-12-01T00:00:00Z'), endMs: at('2026-01-01T00:00:00Z') })
    expect(january).toEqual({ startMs: at('2026-01-01T00:00:00Z'), endMs: at('2026-02-01T00:00:00Z') })
    expect(berlinDecember).toEqual({ startMs: at('2025-11-30T23:00:00Z'), endMs: at('2025-12-31T23:00:00Z') })
  })

  it('starts an Asia/Kolkata day at 18:30 UTC the day before, and an Asia/Kathmandu day at 18:15', () => {
    expect(calendarWindow('daily', at('2026-03-10T12:00:00Z'), 'Asia/Kolkata'))
      .toEqual({ startMs: at('2026-03-09T18:30:00Z'), endMs: at('2026-03-10T18:30:00Z') })
    expect(calendarWindow('daily', at('2026-03-09T18:29:59.999Z'), 'Asia/Kolkata').endMs).toBe(at('2026-03-09T18:30:00Z'))
    expect(calendarWindow('daily', at('2026-03-10T12:00:00Z'), 'Asia/Kathmandu'))
      .toEqual({ startMs: at('2026-03-09T18:15:00Z'), endMs: at('2026-03-10T18:15:00Z') })
  })

  it('starts Asia/Kolkata hours at half past the UTC hour', () => {
    expect(calendarWindow('hourly', at('2026-03-10T12:10:00Z'), 'Asia/Kolkata'))
      .toEqual({ startMs: at('2026-03-10T11:30:00Z'), endMs: at('2026-03-10T12:30:00Z') })
  })

  it('makes New York days 23 hours long on the spring DST day and 25 hours on the autumn one', () => {
    const spring = calendarWindow('daily', at('2025-03-09T12:00:00Z'), 'America/New_York')
    const autumn = calendarWindow('daily', at('2025-11-02T12:00:00Z'), 'America/New_York')

    expect(spring).toEqual({ startMs: at('2025-03-09T05:00:00Z'), endMs: at('2025-03-10T04:00:00Z') })
    expect(hoursOf(spring)).toBe(23)
    expect(autumn).toEqual({ startMs: at('2025-11-02T04:00:00Z'), endMs: at('2025-11-03T05:00:00Z') })
    expect(hoursOf(autumn)).toBe(25)
  })

  it('splits the repeated New York hour (01:00–02:00 on 2025-11-02) into two one-hour windows', () => {
    const daylight = calendarWindow('hourly', at('2025-11-02T05:30:00Z'), 'America/New_York')
    const standard = calendarWindow('hourly', at('2025-11-02T06:30:00Z'), 'America/New_York')

    expect(daylight).toEqual({ startMs: at('2025-11-02T05:00:00Z'), endMs: at('2025-11-02T06:00:00Z') })
    expect(standard).toEqual({ startMs: at('2025-11-02T06:00:00Z'), endMs: at('2025-11-02T07:00:00Z') })
  })

  it('gives the skipped New York hour no window: 01:00 EST is followed by 03:00 EDT', () => {
    const beforeJump = calendarWindow('hourly', at('2025-03-09T06:30:00Z'), 'America/New_York')
    const afterJump = calendarWindow('hourly', beforeJump.endMs, 'America/New_York')

    expect(beforeJump).toEqual({ startMs: at('2025-03-09T06:00:00Z'), endMs: at('2025-03-09T07:00:00Z') })
    expect(afterJump).toEqual({ startMs: at('2025-03-09T07:00:00Z'), endMs: at('2025-03-09T08:00:00Z') })
    expect(wallClock(afterJump.startMs, 'America/New_York').hour).toBe(3)
  })

  it('makes Lord Howe’s repeated half hour a window of its own and its DST days 24.5 and 23.5 hours', () => {
    const lastDaylightHour = calendarWindow('hourly', at('2025-04-05T14:10:00Z'), 'Australia/Lord_Howe')
    const repeatedHalfHour = calendarWindow('hourly', at('2025-04-05T15:10:00Z'), 'Australia/Lord_Howe')
    const halfHourAfterJump = calendarWindow('hourly', at('2025-10-04T15:40:00Z'), 'Australia/Lord_Howe')

    expect(lastDaylightHour).toEqual({ startMs: at('2025-04-05T14:00:00Z'), endMs: at('2025-04-05T15:00:00Z') })
    expect(repeatedHalfHour).toEqual({ startMs: at('2025-04-05T15:00:00Z'), endMs: at('2025-04-05T15:30:00Z') })
    expect(halfHourAfterJump).toEqual({ startMs: at('2025-10-04T15:30:00Z'), endMs: at('2025-10-04T16:00:00Z') })
    expect(hoursOf(calendarWindow('daily', at('2025-04-06T00:00:00Z'), 'Australia/Lord_Howe'))).toBe(24.5)
    expect(hoursOf(calendarWindow('daily', at('2025-10-05T00:00:00Z'), 'Australia/Lord_Howe'))).toBe(23.5)
  })

  it('starts a Havana day when the clock jumps over a skipped midnight, and at the first of two midnights', () => {
    const skippedMidnight = calendarWindow('daily', at('2025-03-09T12:00:00Z'), 'America/Havana')
    const repeatedMidnight = calendarWindow('daily', at('2025-11-02T12:00:00Z'), 'America/Havana')

    expect(skippedMidnight).toEqual({ startMs: at('2025-03-09T05:00:00Z'), endMs: at('2025-03-10T04:00:00Z') })
    expect(wallClock(skippedMidnight.startMs, 'America/Havana').hour).toBe(1)
    expect(repeatedMidnight).toEqual({ startMs: at('2025-11-02T04:00:00Z'), endMs: at('2025-11-03T05:00:00Z') })
  })

  it('ends an hourly window early when the offset changes mid-hour (St. John’s, 2010-11-07 00:01 → 23:01)', () => {
    const beforeChange = calendarWindow('hourly', at('2010-11-07T02:30:30Z'), 'America/St_Johns')
    const afterChange = calendarWindow('hourly', at('2010-11-07T02:31:00Z'), 'America/St_Johns')

    expect(beforeChange).toEqual({ startMs: at('2010-11-07T02:30:00Z'), endMs: at('2010-11-07T02:31:00Z') })
    expect(afterChange).toEqual({ startMs: at('2010-11-07T02:31:00Z'), endMs: at('2010-11-07T03:30:00Z') })
  })

  it('starts a day at the end of a DST gap that swallowed midnight (Toronto, 1919-03-30 23:30 → 00:30)', () => {
    const window = calendarWindow('daily', at('1919-03-31T12:00:00Z'), 'America/Toronto')

    expect(window.startMs).toBe(at('1919-03-31T04:30:00Z'))
    expect(wallClock(window.startMs, 'America/Toronto')).toMatchObject({ day: 31, hour: 0, minute: 30 })
  })

  it('counts the date a fall-back across midnight shows again in the new day (St. John’s, 2010: 00:01 → 23:01)', () => {
    const saturday = calendarWindow('daily', at('2010-11-06T12:00:00Z'), 'America/St_Johns')
    const sunday = calendarWindow('daily', at('2010-11-07T03:00:00Z'), 'America/St_Johns')

    expect(saturday.endMs).toBe(at('2010-11-07T02:30:00Z'))
    expect(sunday).toEqual({ startMs: at('2010-11-07T02:30:00Z'), endMs: at('2010-11-08T03:30:00Z') })
    expect(wallClock(at('2010-11-07T03:00:00Z'), 'America/St_Johns').day).toBe(6)
  })

  it('treats UTC aliases as UTC', () => {
    const atMs = at('2025-06-15T10:20:30Z')

    for (const alias of ['Etc/UTC', 'GMT', 'utc']) {
      for (const period of CALENDAR_PERIODS) {
        expect(calendarWindow(period, atMs, alias)).toEqual(calendarWindow(period, atMs, 'UTC'))
      }
    }
  })

  it('throws RangeError for an unknown time zone or an instant outside 1601–9999', () => {
    expect(() => calendarWindow('daily', Date.now(), 'Mars/Olympus_Mons')).toThrow(RangeError)
    expect(() => calendarWindow('daily', Number.NaN, 'UTC')).toThrow(RangeError)
    expect(() => calendarWindow('daily', Date.UTC(1600, 0, 1), 'Europe/Berlin')).toThrow(RangeError)
    expect(() => calendarWindow('daily', Date.UTC(10_000, 0, 1), 'UTC')).toThrow(RangeError)
  })
})

describe('isValidTimeZone', () => {
  it('accepts IANA zones and UTC, and rejects anything else', () => {
    expect(['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'Australia/Lord_Howe'].every(isValidTimeZone)).toBe(true)
    expect(['', 'Mars/Olympus_Mons', 'Europe/Berlinn', '+25:00'].some(isValidTimeZone)).toBe(false)
  })
})

describe('rolling windows', () => {
  const aWindowSeconds = () => fc.integer({ min: 1, max: 400 * 86_400 })

  it.each([
    [60, 1_000],
    [240, 1_000],
    [241, 2_000],
    [3_600, 15_000],
    [86_400, 360_000],
    [30 * 86_400, 10_800_000],
  ])('splits a %i s window into buckets of %i ms', (windowSeconds, bucketMs) => {
    expect(rollingBucketMs(windowSeconds)).toBe(bucketMs)
  })

  it('uses the smallest whole-second bucket, at least one second, that fits the window in 240 buckets', () => {
    fc.assert(fc.property(aWindowSeconds(), (windowSeconds) => {
      const bucketMs = rollingBucketMs(windowSeconds)
      const reference = Math.ceil(Math.max(1_000, Math.ceil((windowSeconds * 1_000) / 240)) / 1_000) * 1_000

      expect(bucketMs).toBe(reference)
      expect(bucketMs % 1_000).toBe(0)
      expect(windowSeconds * 1_000).toBeLessThanOrEqual(240 * bucketMs)
      if (bucketMs > 1_000) expect(windowSeconds * 1_000).toBeGreaterThan(240 * (bucketMs - 1_000))
    }))
  })

  it('covers the whole window and adds less than one bucket of older usage', () => {
    fc.assert(fc.property(anInstant(), aWindowSeconds(), (atMs, windowSeconds) => {
      const bucketMs = rollingBucketMs(windowSeconds)
      const oldestCountedMs = atMs - windowSeconds * 1_000 + 1

      const { startMs, endMs } = rollingWindow(atMs, windowSeconds)

      expect(startMs % bucketMs).toBe(0)
      expect(endMs % bucketMs).toBe(0)
      expect(startMs).toBeLessThanOrEqual(oldestCountedMs)
      expect(oldestCountedMs - startMs).toBeLessThan(bucketMs)
      expect(endMs).toBeGreaterThan(atMs)
      expect(endMs - atMs).toBeLessThanOrEqual(bucketMs)
    }))
  })

  it('floors to epoch-aligned buckets, before 1970 too', () => {
    expect(bucketStart(at('2026-01-01T00:00:14.999Z'), 15_000)).toBe(at('2026-01-01T00:00:00Z'))
    expect(bucketStart(at('2026-01-01T00:00:15Z'), 15_000)).toBe(at('2026-01-01T00:00:15Z'))
    expect(bucketStart(-1, 1_000)).toBe(-1_000)
  })

  it('throws RangeError unless windowSeconds is a positive integer', () => {
    for (const windowSeconds of [0, -60, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rollingBucketMs(windowSeconds)).toThrow(RangeError)
      expect(() => rollingWindow(Date.now(), windowSeconds)).toThrow(RangeError)
    }
  })
})
