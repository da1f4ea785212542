/**
 * Budgets: the list (with a form to create one) at /budgets, and one budget at
 * /budgets/{id}: change it, archive or delete it, and add, change or remove its policies,
 * each shown with its current window. Write buttons appear only for write and admin keys.
 */
import { useState } from 'preact/hooks'
import type { Budget } from '../../../src/domain/budget.js'
import type { Policy } from '../../../src/domain/policy.js'
import type { BudgetSummary, PolicyWindowUsage } from '../../../src/domain/summary.js'
import { ApiError, del, get, patch, seg } from '../api.js'
import { BudgetForm } from '../components/budget-form.js'
import { Page, Section } from '../components/page.js'
import { PolicyForm } from '../components/policy-form.js'
import { type Column, SortableTable } from '../components/sortable-table.js'
import { Command, Empty, ErrorNotice, Loaded } from '../components/states.js'
import { UtilizationBar } from '../components/utilization-bar.js'
import { formatCount, formatDate, formatInstant, formatPercent, formatPolicyKind, formatUsd } from '../format.js'
import { Link, navigate } from '../router.js'
import { useSession } from '../session.js'
import { useResource } from '../use-resource.js'

interface BudgetRow {
  budget: Budget
  policies: number
}

export function BudgetsPage({ id }: { id?: string | undefined }) {
  return id === undefined ? <BudgetList /> : <BudgetDetail id={id} />
}

function BudgetList() {
  const { canWrite } = useSession()
  const [creating, setCreating] = useState(false)
  const data = useResource(
    async (signal) => {
      const [budgets, policies] = await Promise.all([get<{ items: Budget[] }>('/api/v1/budgets', { includeArchived: true }, signal), get<{ items: Policy[] }>('/api/v1/policies', undefined, signal)])
      return budgets.items.map((b) => ({ budget: b, policies: policies.items.filter((p) => p.budgetId === b.id).length }))
    },
    [],
    { topics: ['budget_events'] },
  )
  const columns: Column<BudgetRow>[] = [
    { key: 'name', label: 'Name', value: (r) => r.budget.name, render: (r) => <Link href={`/budgets/${encodeURIComponent(r.budget.id)}`}>{r.budget.name}</Link> },
    { key: 'owner', label: 'Owner', value: (r) => r.budget.owner },
    { key: 'tags', label: 'Tags', value: (r) => r.budget.tags.join(', ') },
    { key: 'policies', label: 'Policies', numeric: true, value: (r) => r.policies },
    { key: 'state', label: 'State', value: (r) => (r.budget.archived ? 'archived' : 'active'), render: (r) => <span class={`badge badge-${r.budget.archived ? 'info' : 'ok'}`}>{r.budget.archived ? 'archived' : 'active'}</span> },
    { key: 'created', label: 'Created', value: (r) => r.budget.createdAt, render: (r) => formatDate(r.budget.createdAt) },
  ]
  const showForm = canWrite && (creating || (data.data !== undefined && data.data.length === 0))
  return (
    <Page
      title="Budgets"
      intro="Budgets hold policies: token and dollar limits per hour, day, week, month, session or rolling window."
      actions={
        canWrite &&
        !showForm && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New budget
          </button>
        )
      }
    >
      {showForm && (
        <Section title="Create a budget">
          <BudgetForm onSaved={(b) => navigate(`/budgets/${encodeURIComponent(b.id)}`)} {...(creating && { onCancel: () => setCreating(false) })} />
        </Section>
      )}
      <Loaded resource={data} what="budgets">
        {(rows) =>
          rows.length === 0 ? (
            <Empty title="No budgets yet">
              {canWrite ? <p>Create the first one with the form above, or from a terminal:</p> : <p>Your key can read but not create budgets. Someone with a write key can run:</p>}
              <Command>budget budgets create research --owner ada</Command>
            </Empty>
          ) : (
            <Section title="All budgets">
              <SortableTable testId="budgets-table" caption="Budgets" columns={columns} rows={rows} rowKey={(r) => r.budget.id} initialSort={{ key: 'name', descending: false }} />
            </Section>
          )
        }
      </Loaded>
    </Page>
  )
}

function BudgetDetail({ id }: { id: string }) {
  const { canWrite } = useSession()
  const [editing, setEditing] = useState(false)
  const [failure, setFailure] = useState<Error | null>(null)
  const data = useResource(
    async (signal) => {
      const [budget, policies, summary] = await Promise.all([
        get<Budget>(`/api/v1/budgets/${seg(id)}`, undefined, signal),
        get<{ items: Policy[] }>('/api/v1/policies', { budgetId: id }, signal),
        get<BudgetSummary>(`/api/v1/budgets/${seg(id)}/summary`, undefined, signal),
      ])
      return { budget, policies: policies.items, windows: new Map(summary.policies.map((p) => [p.policyId, p])) }
    },
    [id],
    { topics: ['usage', 'allocation_updates', 'budget_events'], when: (e) => (e.payload as { budgetId?: string } | null)?.budgetId === id || e.type === 'usage.batch' },
  )

  const act = async (work: () => Promise<unknown>) => {
    setFailure(null)
    try {
      await work()
      data.reload()
    } catch (error) {
      setFailure(error as Error)
    }
  }

  if (data.error instanceof ApiError && data.error.code === 'NOT_FOUND' && data.data === undefined) {
    return (
      <Page title="Budget not found">
        <Empty title={`There is no budget ${id}`}>
          <p>
            It may have been deleted. <Link href="/budgets">All budgets</Link>
          </p>
        </Empty>
      </Page>
    )
  }

  const budget = data.data?.budget
  return (
    <Page
      title={budget ? budget.name : 'Budget'}
      intro={budget?.description ?? undefined}
      actions={
        budget &&
        canWrite && (
          <>
            <button type="button" onClick={() => setEditing(true)} disabled={editing}>
              Edit
            </button>
            <button type="button" onClick={() => act(() => patch(`/api/v1/budgets/${seg(budget.id)}`, { archived: !budget.archived }))}>
              {budget.archived ? 'Unarchive' : 'Archive'}
            </button>
            <button
              type="button"
              class="danger"
              onClick={() => {
                if (confirm(`Delete budget ${budget.name} and its policies? Usage records stay.`)) void act(async () => {
                  await del(`/api/v1/budgets/${seg(budget.id)}`)
                  navigate('/budgets')
                })
              }}
            >
              Delete
            </button>
          </>
        )
      }
    >
      <p>
        <Link href="/budgets">← All budgets</Link>
      </p>
      {failure && <ErrorNotice error={failure} what="the change" />}
      <Loaded resource={data} what="the budget">
        {(d) => (
          <>
            {editing && (
              <Section title="Edit budget">
                <BudgetForm
                  budget={d.budget}
                  onSaved={() => {
                    setEditing(false)
                    data.reload()
                  }}
                  onCancel={() => setEditing(false)}
                />
              </Section>
            )}
            <p class="muted">
              {d.budget.owner && <>Owner {d.budget.owner} · </>}
              {d.budget.tags.length > 0 && <>Tags {d.budget.tags.join(', ')} · </>}
              Created {formatInstant(d.budget.createdAt)} · id <code>{d.budget.id}</code>
              {d.budget.archived && <span class="badge badge-info">archived</span>}
            </p>
            <Section title="Policies">
              {d.policies.length === 0 ? (
                <p class="muted">No policies yet: usage of this budget is recorded but nothing limits it.{canWrite && ' Add one below.'}</p>
              ) : (
                <ul class="policies" data-testid="policies">
                  {d.policies.map((p) => (
                    <PolicyItem key={p.id} policy={p} window={d.windows.get(p.id)} canWrite={canWrite} onChanged={data.reload} onRemove={() => act(() => del(`/api/v1/policies/${seg(p.id)}`))} />
                  ))}
                </ul>
              )}
            </Section>
            {canWrite && (
              <Section title="Add a policy">
                <PolicyForm budgetId={d.budget.id} onSaved={data.reload} />
              </Section>
            )}
            {!canWrite && <Command>{`budget policies add --budget ${d.budget.name} --type hard_limit --period daily --tokens 1000000`}</Command>}
          </>
        )}
      </Loaded>
    </Page>
  )
}

function describe(p: Policy): string {
  const limits = [p.tokenLimit !== undefined && `${formatCount(p.tokenLimit)} tokens`, p.costLimitUsd !== undefined && formatUsd(p.costLimitUsd)].filter(Boolean).join(' and ')
  const scope = Object.entries(p.scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
  return `${formatPolicyKind(p.type, p.period, p.windowSeconds)}${limits ? ` · ${limits}` : ''}${scope ? ` · ${scope}` : ''}`
}

function PolicyItem({ policy, window, canWrite, onChanged, onRemove }: { policy: Policy; window: PolicyWindowUsage | undefined; canWrite: boolean; onChanged: () => void; onRemove: () => void }) {
  const [editing, setEditing] = useState(false)
  const text = describe(policy)
  return (
    <li data-policy-id={policy.id}>
      <div class="policy-title">
        <span>
          {text}
          {!policy.enabled && <span class="badge badge-info">disabled</span>}
        </span>
        <span class="muted small">
          warn {formatPercent(policy.warningThreshold)} · act {formatPercent(policy.actionThreshold)}
        </span>
      </div>
      {window && (
        <>
          <UtilizationBar utilization={window.utilization} status={window.status} label={`${text} utilisation`} />
          <p class="small muted">
            {formatCount(window.tokensUsed)} tokens · {formatUsd(window.costUsd)} used
            {window.windowEnd && <> · window ends {formatInstant(window.windowEnd)}</>}
          </p>
        </>
      )}
      {canWrite && !editing && (
        <div class="row-actions">
          <button type="button" onClick={() => setEditing(true)} aria-label={`Edit policy ${text}`}>
            Edit
          </button>
          <button type="button" class="danger" onClick={() => confirm(`Remove policy "${text}"?`) && onRemove()} aria-label={`Remove policy ${text}`}>
            Remove
          </button>
        </div>
      )}
      {editing && (
        <PolicyForm
          budgetId={policy.budgetId}
          policy={policy}
          onSaved={() => {
            setEditing(false)
            onChanged()
          }}
          onCancel={() => setEditing(false)}
        />
      )}
    </li>
  )
}
