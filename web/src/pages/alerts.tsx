/**
 * Alerts: every alert with filters (budget, type, severity, open or acknowledged) held in
 * the URL, newest first, and the button that acknowledges one (write keys).
 */
import { useState } from 'preact/hooks'
import type { Alert, AlertPage, AlertSeverity, AlertType } from '../../../src/domain/alert.js'
import type { Budget } from '../../../src/domain/budget.js'
import { get, post, seg } from '../api.js'
import { AlertList } from '../components/alert-list.js'
import { Page, Section } from '../components/page.js'
import { Empty, ErrorNotice, Loaded } from '../components/states.js'
import { useQueryParam } from '../router.js'
import { useSession } from '../session.js'
import { useResource } from '../use-resource.js'
import { Control } from '../components/control.js'

const TYPES: AlertType[] = ['warning', 'action', 'exceeded', 'forecast', 'price_change', 'price_conflict', 'source_failure']
const SEVERITIES: AlertSeverity[] = ['info', 'warning', 'critical']
const STATUSES = { open: 'Open', acknowledged: 'Acknowledged', all: 'All' } as const
const PAGE = 50

export function AlertsPage() {
  const { canWrite } = useSession()
  const [budgetId, setBudget] = useQueryParam('budget', '')
  const [type, setType] = useQueryParam('type', '')
  const [severity, setSeverity] = useQueryParam('severity', '')
  const [status, setStatus] = useQueryParam('status', 'open')
  const [limit, setLimit] = useState(PAGE)
  const [busy, setBusy] = useState<string | null>(null)
  const [failure, setFailure] = useState<Error | null>(null)
  const budgets = useResource((signal) => get<{ items: Budget[] }>('/api/v1/budgets', undefined, signal), [])
  const alerts = useResource(
    (signal) => get<AlertPage>('/api/v1/alerts', { budgetId, type, severity, acknowledged: status === 'all' ? undefined : status === 'acknowledged', limit }, signal),
    [budgetId, type, severity, status, limit],
    { topics: ['budget_alerts', 'price_updates'] },
  )

  const acknowledge = async (alert: Alert) => {
    setBusy(alert.id)
    setFailure(null)
    try {
      await post(`/api/v1/alerts/${seg(alert.id)}/ack`, {})
      alerts.reload()
    } catch (error) {
      setFailure(error as Error)
    } finally {
      setBusy(null)
    }
  }

  const filtered = budgetId !== '' || type !== '' || severity !== '' || status !== 'all'
  return (
    <Page title="Alerts" intro="What passed a threshold, is about to run out, or changed in the price catalog.">
      <form class="controls" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <Control label="Budget">
          {(id) => (
            <select id={id} value={budgetId} onChange={(e) => setBudget(e.currentTarget.value)}>
              <option value="">All budgets</option>
              {(budgets.data?.items ?? []).map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          )}
        </Control>
        <Control label="Type">
          {(id) => (
            <select id={id} value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="">All types</option>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t.replace('_', ' ')}
                </option>
              ))}
            </select>
          )}
        </Control>
        <Control label="Severity">
          {(id) => (
            <select id={id} value={severity} onChange={(e) => setSeverity(e.currentTarget.value)}>
              <option value="">Any severity</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Control>
        <Control label="Status">
          {(id) => (
            <select id={id} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              {Object.entries(STATUSES).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Control>
      </form>
      {failure && <ErrorNotice error={failure} what="the acknowledgement" />}
      <Section title="Alerts">
        <Loaded resource={alerts} what="alerts">
          {(page) =>
            page.items.length === 0 ? (
              <Empty title={filtered ? 'No alerts match these filters' : 'No alerts yet'}>
                <p>{filtered ? 'Try "All" statuses or another budget.' : 'A policy raises a warning at its warning threshold (80 % by default), action at 95 %, and exceeded past its limit.'}</p>
              </Empty>
            ) : (
              <>
                <AlertList alerts={page.items} onAcknowledge={canWrite ? acknowledge : undefined} busyId={busy} />
                {page.nextCursor !== null && limit < 1000 && (
                  <button type="button" onClick={() => setLimit((l) => Math.min(1000, l + PAGE))}>
                    Show more
                  </button>
                )}
              </>
            )
          }
        </Loaded>
      </Section>
    </Page>
  )
}
