/**
 * Instants as the Python components wrote them: `datetime.isoformat()` of a naive local
 * time (`2025-05-01T14:03:12.123456`, no zone), read in an IANA time zone the caller names.
 * A string that does carry an offset (`…+02:00`, `…Z`) keeps it.
 *
 * Local times that a DST change skips (02:30 on a spring-forward night) are read as if the
 * clock had not jumped yet, i.e. one offset earlier, which lands just after the gap; times
 * that a fall-back shows twice take the first (earlier) instant. Microseconds are cut to
 * milliseconds.
 */
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** The zone's offset from UTC at `atMs`, in milliseconds (east positive). */
function offsetAt(atMs: number, timeZone: string): number {
  const parts: Record<string, number> = {}
  for (const part of formatterOf(timeZone).formatToParts(atMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
  return wall - (atMs - (((atMs % 1000) + 1000) % 1000))
}

/** The instant a wall-clock time (given as if it were UTC) names in `timeZone`. */
export function wallTimeToInstant(wallAsUtcMs: number, timeZone: string): number {
  // Try the offsets in force a day either side: the first whose instant reads back as the
  // wall time wins (the earlier one on a repeated hour); none does inside a DST gap.
  const candidates = [...new Set([offsetAt(wallAsUtcMs - 86_400_000, timeZone), offsetAt(wallAsUtcMs + 86_400_000, timeZone)])].sort((a, b) => b - a)
  for (const offset of candidates) {
    const instant = wallAsUtcMs - offset
    if (offsetAt(instant, timeZone) === offset) return instant
  }
  return wallAsUtcMs - Math.min(...candidates)
}

/**
 * Epoch milliseconds of a legacy timestamp, or null when it is not one. Throws RangeError
 * for an unknown time zone.
 */
export function parseLegacyTimestamp(text: string, timeZone: string): number | null {
  const match = PATTERN.exec(text.trim())
  if (!match) return null
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  const wall = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), ms)
  const date = new Date(wall)
  // Date.UTC rolls 2025-02-30 over into March: such a string is not a date.
  if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null
  if (zone === undefined) return wallTimeToInstant(wall, timeZone)
  if (zone.toUpperCase() === 'Z') return wall
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')
  return wall - sign * offsetMinutes * 60_000
}

/** The zone of this machine: where legacy components most likely wrote their local times. */
export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone
