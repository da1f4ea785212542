/**
 * How the dashboard writes numbers, money and instants. Pure functions (no DOM), so the
 * browser tests compare what a page shows with what the API answered through the same
 * rules. Money arrives as decimal USD (exact to the nano-dollar on the wire); it is only
 * rounded here, for display.
 */

const LOCALE = 'en-US'

const usd2 = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const usd4 = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'USD', minimumFractionDigits: 4, maximumFractionDigits: 4 })
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 })
const compact = new Intl.NumberFormat(LOCALE, { notation: 'compact', maximumFractionDigits: 1 })
const percent = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 1 })
const perMtok = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 })

/** Dollars: cents from $1 up, four decimals below (a single call often costs less than a cent). */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '—'
  return Math.abs(usd) >= 1 || usd === 0 ? usd2.format(usd) : usd4.format(usd)
}

/**
 * The cost of a group of requests, saying when some had no price: "unpriced" when none
 * had one, "$1.20 + 3 unpriced" when some did not (their cost is unknown, not zero).
 */
export function formatCostOf(totals: { costUsd: number; requests: number; unpricedRequests: number }): string {
  if (totals.unpricedRequests === 0) return formatUsd(totals.costUsd)
  if (totals.unpricedRequests >= totals.requests) return 'unpriced'
  return `${formatUsd(totals.costUsd)} + ${formatCount(totals.unpricedRequests)} unpriced`
}

/** A price in USD per million tokens, with every decimal the catalog has (up to six). */
export const formatPerMtok = (usd: number | null | undefined): string => (usd === null || usd === undefined ? '—' : perMtok.format(usd))

/** A whole number with thousands separators: 1,234,567. */
export const formatCount = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : integer.format(n))

/** A short count for cards and axes: 1.2M. */
export const formatCompact = (n: number): string => compact.format(n)

/** 0.834 → 83.4%. */
export const formatPercent = (ratio: number | null | undefined): string => (ratio === null || ratio === undefined ? '—' : percent.format(ratio))

/** A signed change in percent, or "new" when the previous period had nothing. */
export const formatChange = (pct: number | null): string => (pct === null ? 'new' : `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`)

const dateTime = new Intl.DateTimeFormat(LOCALE, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
const dateOnly = new Intl.DateTimeFormat(LOCALE, { year: 'numeric', month: 'short', day: 'numeric' })

/** An ISO instant in the viewer's time zone: "Mar 10, 2026, 12:00 PM". */
export const formatInstant = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—')

export const formatDate = (iso: string | null | undefined): string => (iso ? dateOnly.format(new Date(iso)) : '—')

/** "3 min ago", "2 h ago", or the date when older than a day. */
export function formatAgo(iso: string | null | undefined, nowMs: number = Date.now()): string {
  if (!iso) return 'never'
  const seconds = Math.round((nowMs - Date.parse(iso)) / 1000)
  if (seconds < 45) return 'just now'
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`
  return formatDate(iso)
}

/** The label of a missing dimension value (usage recorded without a component, say). */
export const formatKey = (value: string | null | undefined): string => (value === null || value === undefined || value === '' ? '(none)' : value)

const POLICY_TYPES: Record<string, string> = { hard_limit: 'Hard limit', soft_limit: 'Soft limit', warn: 'Warn', ignore: 'Ignore' }
const PERIODS: Record<string, string> = { hourly: 'hourly', daily: 'daily', weekly: 'weekly', monthly: 'monthly', per_session: 'per session', per_task: 'per task', rolling: 'rolling' }

/** "Hard limit · daily", "Warn · rolling 90 min". */
export function formatPolicyKind(type: string, period: string, windowSeconds?: number | null): string {
  const length = period === 'rolling' && windowSeconds ? ` ${Math.round(windowSeconds / 60)} min` : ''
  return `${POLICY_TYPES[type] ?? type} · ${PERIODS[period] ?? period}${length}`
}
