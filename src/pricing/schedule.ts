/**
 * The refresh schedule (croner): every enabled feed refreshes on the global schedule
 * (`BUDGET_PRICE_REFRESH`, default every 6 hours) unless it has its own `refreshCron`;
 * `off` schedules nothing. Runs never overlap, and the first one waits at least
 * `firstRunDelayMs` after start-up (default an hour): starting the service, or a test
 * server, never fetches the internet.
 */
import { Cron } from 'croner'
import type { RefreshReport } from '../domain/price-monitoring.js'
import type { PriceMonitor } from './monitor.js'

export const DEFAULT_REFRESH_CRON = '0 */6 * * *'

export interface ScheduleOptions {
  /** A cron pattern, or 'off'. */
  cron: string
  firstRunDelayMs?: number
  onReport?: (report: RefreshReport) => void
  onError?: (error: unknown) => void
  now?: () => number
}

export interface PriceSchedule {
  /** When each group of sources refreshes next. */
  next(): { sources: string[]; at: string | null }[]
  stop(): void
}

/** Whether `pattern` is a cron pattern croner accepts. */
export function isCronPattern(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop()
    return true
  } catch {
    return false
  }
}

export function schedulePriceRefresh(monitor: PriceMonitor, options: ScheduleOptions): PriceSchedule {
  if (options.cron === 'off') return { next: () => [], stop() {} }
  const groups = new Map<string, string[]>()
  for (const source of monitor.sources) {
    if (!source.enabled || source.kind === 'manual' || source.kind === 'bundled') continue
    const pattern = source.refreshCron ?? options.cron
    groups.set(pattern, [...(groups.get(pattern) ?? []), source.id])
  }
  const startAt = new Date((options.now ?? Date.now)() + (options.firstRunDelayMs ?? 3_600_000))
  const onError = options.onError ?? (() => {})
  const jobs = [...groups].map(([pattern, sources]) => ({
    sources,
    job: new Cron(pattern, { protect: true, startAt, catch: onError }, async () => {
      try {
        options.onReport?.(await monitor.refresh({ sources }))
      } catch (error) {
        onError(error)
      }
    }),
  }))
  return {
    next: () => jobs.map(({ sources, job }) => ({ sources, at: job.nextRun()?.toISOString() ?? null })),
    stop: () => {
      for (const { job } of jobs) job.stop()
    },
  }
}
