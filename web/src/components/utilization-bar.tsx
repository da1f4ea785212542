/**
 * How much of a limit a policy's window has used: green while below its warning
 * threshold, yellow from the warning, red from the action threshold or past the limit.
 * The colour is never the only signal: the bar carries the percentage and the status word.
 */
import type { PolicyStatus } from '../../../src/domain/summary.js'
import { formatPercent } from '../format.js'

const TONE: Record<PolicyStatus, 'ok' | 'warn' | 'bad'> = { ok: 'ok', warning: 'warn', action: 'bad', exceeded: 'bad' }

export function UtilizationBar({ utilization, status, label }: { utilization: number; status: PolicyStatus; label: string }) {
  const shown = Math.min(1, Math.max(0, utilization))
  return (
    <div class="utilization">
      <div
        class={`bar bar-${TONE[status]}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(utilization * 1000) / 10}
        aria-valuetext={`${formatPercent(utilization)} used, ${status}`}
      >
        <span class="fill" style={{ width: `${shown * 100}%` }} />
      </div>
      <span class="utilization-figure">{formatPercent(utilization)}</span>
      <span class={`badge badge-${TONE[status]}`}>{status}</span>
    </div>
  )
}
