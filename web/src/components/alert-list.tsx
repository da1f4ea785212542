/** Alerts as a list: severity, type, message, when, and whether someone acknowledged it (with the button to do so, for write keys). */
import type { Alert } from '../../../src/domain/alert.js'
import { formatAgo, formatInstant } from '../format.js'

const TONE = { info: 'info', warning: 'warn', critical: 'bad' } as const

interface Props {
  alerts: Alert[]
  compact?: boolean
  /** Shown as an Acknowledge button on open alerts when given. */
  onAcknowledge?: (alert: Alert) => void
  busyId?: string | null
}

export function AlertList({ alerts, compact = false, onAcknowledge, busyId }: Props) {
  return (
    <ul class={`alerts${compact ? ' compact' : ''}`} data-testid="alert-list">
      {alerts.map((a) => (
        <li key={a.id} data-alert-id={a.id} class={a.acknowledgedAt ? 'acknowledged' : undefined}>
          <span class={`badge badge-${TONE[a.severity]}`}>{a.severity}</span>
          <div class="alert-body">
            <div class="alert-message">{a.message}</div>
            <div class="muted small">
              {a.type.replace('_', ' ')} ·{' '}
              <time dateTime={a.createdAt} title={formatInstant(a.createdAt)}>
                {formatAgo(a.createdAt)}
              </time>
              {a.acknowledgedAt && (
                <span data-testid="acknowledged">
                  {' '}
                  · acknowledged {a.acknowledgedBy ? `by ${a.acknowledgedBy} ` : ''}
                  {formatAgo(a.acknowledgedAt)}
                </span>
              )}
            </div>
          </div>
          {!compact && onAcknowledge && !a.acknowledgedAt && (
            <button type="button" onClick={() => onAcknowledge(a)} disabled={busyId === a.id} aria-label={`Acknowledge: ${a.message}`}>
              {busyId === a.id ? 'Acknowledging…' : 'Acknowledge'}
            </button>
          )}
        </li>
      ))}
    </ul>
  )
}
