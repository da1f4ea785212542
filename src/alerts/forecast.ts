/**
 * Burn-rate forecast: if spending goes on at the average rate of the window so far, when
 * does it reach the limit? Linear, from the window's start to now; pure.
 *
 * Says nothing until a tenth of the window has passed (a burst in the first minute of a
 * month says little about the month), and nothing once the limit is reached (that is an
 * `exceeded` alert's job).
 */

/** The share of a window that must have passed before a forecast is made. */
export const FORECAST_MIN_ELAPSED_FRACTION = 0.1

const HOUR_MS = 3_600_000

export interface Forecast {
  /** When the limit is reached at the current rate; before the window's end. */
  reachAtMs: number
  /** What the window will have used at its end at the current rate. */
  projectedAtEnd: number
  /** The current rate, per hour, in the amount's unit. */
  ratePerHour: number
}

/**
 * The forecast for an amount `used` of a `limit` in the window [startMs, endMs) at
 * `atMs`; null when the limit is not reached before the window ends, or when it is too
 * early (or too late) to say.
 */
export function forecastReach(used: number, limit: number, startMs: number, endMs: number, atMs: number, minElapsedFraction = FORECAST_MIN_ELAPSED_FRACTION): Forecast | null {
  const lengthMs = endMs - startMs
  const elapsedMs = atMs - startMs
  if (lengthMs <= 0 || limit <= 0 || used <= 0 || used >= limit) return null
  if (elapsedMs <= 0 || elapsedMs >= lengthMs || elapsedMs < lengthMs * minElapsedFraction) return null
  // used / elapsed is the rate; the limit falls at start + limit / rate.
  const reachAtMs = startMs + Math.ceil((elapsedMs * limit) / used)
  if (reachAtMs >= endMs) return null
  return {
    reachAtMs,
    projectedAtEnd: Math.round((used * lengthMs) / elapsedMs),
    ratePerHour: (used * HOUR_MS) / elapsedMs,
  }
}
