/**
 * The short texts MCP results carry beside their structured content: a line or a few that
 * a model or a person can act on without reading the JSON.
 */
import type { CheckDecision } from '../domain/check.js'
import type { PolicyWindowUsage } from '../domain/summary.js'

/** `$0.001234`; sub-micro amounts keep their nano digits; null is "unpriced". */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unpriced'
  const digits = value !== 0 && Math.abs(value) < 0.000_000_5 ? 9 : 6
  return `$${value.toFixed(digits)}`
}

export const tokens = (n: number) => `${n.toLocaleString('en-US')} tokens`

export const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`

export function decisionText(d: CheckDecision): string {
  const verdict = d.allowed ? `ALLOWED (${d.action})` : 'BLOCKED'
  const lines = [`${verdict}, estimated cost ${usd(d.estimatedCostUsd)}`]
  if (d.reservation) {
    lines.push(`reservation ${d.reservation.id} holds ${tokens(d.reservation.tokensReserved)} until ${d.reservation.expiresAt}; record usage with this reservationId`)
  }
  for (const reason of d.reasons) lines.push(`- ${reason}`)
  if (d.suggestedModel) lines.push(`cheaper: ${d.suggestedModel.provider}/${d.suggestedModel.model} (${usd(d.suggestedModel.estimatedCostUsd)})`)
  return lines.join('\n')
}

export function policyLine(p: PolicyWindowUsage): string {
  const limit = [p.tokenLimit === undefined ? null : `${tokens(p.tokensUsed)} of ${p.tokenLimit.toLocaleString('en-US')}`, p.costLimitUsd === undefined ? null : `${usd(p.costUsd)} of ${usd(p.costLimitUsd)}`]
    .filter((part) => part !== null)
    .join(', ')
  return `${p.period} ${p.type}: ${p.status}, ${percent(p.utilization)}${limit === '' ? '' : ` (${limit})`}`
}
