/**
 * Overview: where the money goes at a glance. Spend today and this month, the projected
 * month end, each budget's policies with their utilisation, the latest alerts and the
 * latest usage — all reloaded as live events arrive.
 */
import type { AlertPage } from '../../../src/domain/alert.js'
import type { BudgetsReport, ForecastReport, PolicyOutlook, UsageReport } from '../../../src/domain/report.js'
import type { UsagePage } from '../../../src/domain/usage.js'
import { get } from '../api.js'
import { AlertList } from '../components/alert-list.js'
import { Page, Section, Stat } from '../components/page.js'
import { Command, Empty, Loaded } from '../components/states.js'
import { UtilizationBar } from '../components/utilization-bar.js'
import { formatAgo, formatCount, formatInstant, formatPolicyKind, formatUsd } from '../format.js'
import { viewerTimeZone } from '../range.js'
import { Link } from '../router.js'
import { useResource } from '../use-resource.js'

const ON_USAGE = { topics: ['usage'] } as const
const ON_SPEND = { topics: ['usage', 'allocation_updates', 'budget_events'] } as const

export function OverviewPage() {
  const timeZone = viewerTimeZone()
  const today = useResource((signal) => get<UsageReport>('/api/v1/reports/usage', { period: 'today', timeZone }, signal), [], ON_USAGE)
  const forecast = useResource((signal) => get<ForecastReport>('/api/v1/reports/forecast', { timeZone }, signal), [], ON_USAGE)
  const budgets = useResource((signal) => get<BudgetsReport>('/api/v1/reports/budgets', { timeZone }, signal), [], ON_SPEND)
  const alerts = useResource((signal) => get<AlertPage>('/api/v1/alerts', { limit: 5 }, signal), [], { topics: ['budget_alerts'] })
  const recent = useResource((signal) => get<UsagePage>('/api/v1/usage', { limit: 8 }, signal), [], ON_USAGE)

  return (
    <Page title="Overview" intro="Spend, budgets and alerts right now. Figures update live as usage is recorded.">
      <div class="stats" aria-label="Spend">
        <Loaded resource={today} what="today's spend">
          {(r) => <Stat testId="spend-today" label="Spend today" value={formatUsd(r.totals.costUsd)} detail={`${formatCount(r.totals.requests)} requests · ${formatCount(r.totals.totalTokens)} tokens`} />}
        </Loaded>
        <Loaded resource={forecast} what="the forecast">
          {(f) => (
            <>
              <Stat testId="spend-month" label="Spend this month" value={formatUsd(f.monthEnd.costToDateUsd)} detail={`since ${formatInstant(f.monthEnd.monthStart)}`} />
              <Stat testId="forecast-month-end" label="Forecast month end" value={formatUsd(f.monthEnd.projectedCostUsd)} detail={`linear, at the last ${f.recentHours} h burn rate`} />
            </>
          )}
        </Loaded>
      </div>

      <Section title="Budgets" actions={<Link href="/budgets">Manage budgets</Link>}>
        <Loaded resource={budgets} what="budgets">
          {(report) =>
            report.budgets.length === 0 ? (
              <Empty title="No budgets yet">
                <p>
                  A budget holds policies that limit tokens or dollars per hour, day, month… <Link href="/budgets">Create one here</Link>, or from a terminal:
                </p>
                <Command>{'budget budgets create research --owner ada\nbudget policies add --budget research --type hard_limit --period daily --cost 50'}</Command>
              </Empty>
            ) : (
              <div class="budget-grid">
                {report.budgets.map((b) => (
                  <article class="budget-card" key={b.id} data-testid={`budget-${b.name}`} aria-labelledby={`budget-${b.id}`}>
                    <h3 id={`budget-${b.id}`}>
                      <Link href={`/budgets/${encodeURIComponent(b.id)}`}>{b.name}</Link>
                      {b.owner && <span class="muted"> · {b.owner}</span>}
                    </h3>
                    {b.policies.length === 0 ? <p class="muted">No policies: nothing limits this budget yet.</p> : b.policies.map((p) => <PolicyRow key={p.policyId} policy={p} />)}
                  </article>
                ))}
              </div>
            )
          }
        </Loaded>
      </Section>

      <div class="columns">
        <Section title="Latest alerts" actions={<Link href="/alerts">All alerts</Link>}>
          <Loaded resource={alerts} what="alerts">
            {(page) => (page.items.length === 0 ? <p class="muted">No alerts. They appear here when a policy passes its warning threshold.</p> : <AlertList alerts={page.items} compact />)}
          </Loaded>
        </Section>
        <Section title="Latest usage" actions={<Link href="/usage">Usage</Link>}>
          <Loaded resource={recent} what="recent usage">
            {(page) =>
              page.items.length === 0 ? (
                <Empty title="No usage recorded yet">
                  <p>Record a call from your code (POST /api/v1/usage, or the client SDK), or try it from a terminal:</p>
                  <Command>budget record --provider anthropic --model claude-sonnet-4 --input-tokens 1200 --output-tokens 300</Command>
                </Empty>
              ) : (
                <ul class="feed" data-testid="recent-usage" aria-live="polite">
                  {page.items.map((u) => (
                    <li key={u.id} data-usage-id={u.id}>
                      <span class="feed-main">
                        {u.provider}/{u.model}
                        {u.component && <span class="muted"> · {u.component}</span>}
                      </span>
                      <span class="num">{formatCount(u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens)} tok</span>
                      <span class="num">{u.unpriced ? <span class="badge badge-warn">unpriced</span> : formatUsd(u.costUsd)}</span>
                      <time class="muted" dateTime={u.timestamp} title={formatInstant(u.timestamp)}>
                        {formatAgo(u.timestamp)}
                      </time>
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </Section>
      </div>
    </Page>
  )
}

function PolicyRow({ policy: p }: { policy: PolicyOutlook }) {
  const label = formatPolicyKind(p.type, p.period)
  return (
    <div class="policy-row" data-testid={`policy-${p.policyId}`}>
      <div class="policy-title">
        <span>{label}</span>
        {p.windowEnd && <span class="muted">window ends {formatInstant(p.windowEnd)}</span>}
      </div>
      <UtilizationBar utilization={p.utilization} status={p.status} label={`${label} utilisation`} />
      <dl class="policy-figures">
        {p.tokenLimit !== null && (
          <div>
            <dt>Tokens</dt>
            <dd data-testid="tokens-used">
              {formatCount(p.tokensUsed)} / {formatCount(p.tokenLimit)}
            </dd>
          </div>
        )}
        {p.costLimitUsd !== null && (
          <div>
            <dt>Cost</dt>
            <dd data-testid="cost-used">
              {formatUsd(p.costUsd)} / {formatUsd(p.costLimitUsd)}
            </dd>
          </div>
        )}
        {(p.tokensReserved > 0 || p.costReservedUsd > 0) && (
          <div>
            <dt>Reserved</dt>
            <dd>{p.costLimitUsd !== null ? formatUsd(p.costReservedUsd) : `${formatCount(p.tokensReserved)} tok`}</dd>
          </div>
        )}
        {p.forecast && (
          <div>
            <dt>Forecast</dt>
            <dd>
              {p.costLimitUsd !== null ? formatUsd(p.forecast.costUsd) : `${formatCount(p.forecast.tokens)} tok`} <span class={`badge badge-${p.forecast.status === 'ok' ? 'ok' : p.forecast.status === 'warning' ? 'warn' : 'bad'}`}>{p.forecast.status}</span>
            </dd>
          </div>
        )}
        {p.exhaustsInWindow && p.exhaustionAt && (
          <div>
            <dt>Runs out</dt>
            <dd class="text-bad">{formatInstant(p.exhaustionAt)}</dd>
          </div>
        )}
      </dl>
    </div>
  )
}
