/**
 * Prices: the catalog in effect now (searchable, with verified badges), one model's price
 * history, the sources prices come from and their health, and the changes waiting for a
 * person — approved or rejected here with an admin key.
 */
import { useMemo, useState } from 'preact/hooks'
import type { ModelPrice } from '../../../src/domain/price.js'
import type { PriceChange, PriceHistory, PriceSource } from '../../../src/domain/price-monitoring.js'
import { ApiError, get, post, seg } from '../api.js'
import { Chart } from '../components/chart.js'
import { Page, Section } from '../components/page.js'
import { type Column, SortableTable } from '../components/sortable-table.js'
import { Empty, ErrorNotice, Loaded } from '../components/states.js'
import { formatAgo, formatInstant, formatPercent, formatPerMtok } from '../format.js'
import { itemsOf } from '../items.js'
import { useQueryParam } from '../router.js'
import { useSession } from '../session.js'
import { useResource } from '../use-resource.js'
import { Control } from '../components/control.js'

const ON_PRICES = { topics: ['price_updates'] } as const

/** A missing monitoring route (an older service) reads as "not offered", not as a failure. */
const orMissing = async <T,>(load: Promise<T>): Promise<T | null> => {
  try {
    return await load
  } catch (error) {
    if (error instanceof ApiError && error.isMissingRoute) return null
    throw error
  }
}

/** When a price took effect; the bundled catalog's prices have no date (they start at the epoch). */
const since = (iso: string) => (Date.parse(iso) === 0 ? 'always' : formatInstant(iso))

const NotOffered = ({ what }: { what: string }) => <p class="muted">This service does not offer {what} yet (price monitoring needs a newer version).</p>

export function PricesPage() {
  const [search, setSearch] = useQueryParam('q', '')
  const [selected, setSelected] = useQueryParam('model', '')
  return (
    <Page title="Prices" intro="The price catalog every record is priced with, where it comes from, and the changes waiting for approval.">
      <PendingChanges />
      {selected !== '' && <History modelKey={selected} onClose={() => setSelected('')} />}
      <Catalog search={search} onSearch={setSearch} onSelect={setSelected} />
      <Sources />
    </Page>
  )
}

function PendingChanges() {
  const { isAdmin } = useSession()
  const changes = useResource((signal) => orMissing(get<PriceChange[] | { items: PriceChange[] }>('/api/v1/prices/changes', { status: 'pending' }, signal).then(itemsOf)), [], ON_PRICES)
  const [busy, setBusy] = useState<string | null>(null)
  const [failure, setFailure] = useState<Error | null>(null)
  const decide = async (change: PriceChange, decision: 'approve' | 'reject') => {
    setBusy(change.id)
    setFailure(null)
    try {
      await post(`/api/v1/prices/changes/${seg(change.id)}/${decision}`, {})
      changes.reload()
    } catch (error) {
      setFailure(error as Error)
    } finally {
      setBusy(null)
    }
  }
  return (
    <Section title="Pending changes">
      {failure && <ErrorNotice error={failure} what="the decision" />}
      <Loaded resource={changes} what="pending price changes">
        {(items) =>
          items === null ? (
            <NotOffered what="price approval" />
          ) : items.length === 0 ? (
            <p class="muted">No changes wait for approval. Unverified prices and moves above the threshold (20 % by default) appear here.</p>
          ) : (
            <ul class="changes" data-testid="pending-changes">
              {items.map((c) => (
                <li key={c.id} data-change-id={c.id}>
                  <div>
                    <strong>
                      {c.provider}/{c.model}
                    </strong>{' '}
                    <span class="badge badge-info">{c.kind}</span> {c.verified ? <span class="badge badge-ok">verified</span> : <span class="badge badge-warn">unverified</span>}
                    <div class="small">
                      input {formatPerMtok(c.previous?.inputPerMtok)} → <strong>{formatPerMtok(c.price.inputPerMtok)}</strong>, output {formatPerMtok(c.previous?.outputPerMtok)} → <strong>{formatPerMtok(c.price.outputPerMtok)}</strong> per Mtok
                      {c.changeRatio !== null && <> · moves {formatPercent(c.changeRatio)}</>} · from {c.source}, effective {formatInstant(c.effectiveFrom)}
                    </div>
                    <div class="muted small">{c.reason}</div>
                  </div>
                  {isAdmin && (
                    <div class="row-actions">
                      <button type="button" class="primary" disabled={busy === c.id} onClick={() => decide(c, 'approve')} aria-label={`Approve the ${c.provider}/${c.model} price`}>
                        Approve
                      </button>
                      <button type="button" disabled={busy === c.id} onClick={() => decide(c, 'reject')} aria-label={`Reject the ${c.provider}/${c.model} price`}>
                        Reject
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {!isAdmin && <p class="muted small">Approving and rejecting needs an admin key.</p>}
    </Section>
  )
}

function Catalog({ search, onSearch, onSelect }: { search: string; onSearch: (q: string) => void; onSelect: (key: string) => void }) {
  const [draft, setDraft] = useState(search)
  const prices = useResource((signal) => get<{ items: ModelPrice[] }>('/api/v1/prices/current', { search }, signal).then((r) => r.items), [search], ON_PRICES)
  const columns = useMemo<Column<ModelPrice>[]>(
    () => [
      { key: 'provider', label: 'Provider', value: (p) => p.provider },
      {
        key: 'model',
        label: 'Model',
        value: (p) => p.model,
        render: (p) => (
          <button type="button" class="link" onClick={() => onSelect(`${p.provider}/${p.model}`)} aria-label={`Price history of ${p.provider}/${p.model}`}>
            {p.model}
          </button>
        ),
      },
      { key: 'input', label: 'Input', numeric: true, value: (p) => p.inputPerMtok, render: (p) => formatPerMtok(p.inputPerMtok) },
      { key: 'output', label: 'Output', numeric: true, value: (p) => p.outputPerMtok, render: (p) => formatPerMtok(p.outputPerMtok) },
      { key: 'cacheRead', label: 'Cache read', numeric: true, value: (p) => p.cacheReadPerMtok ?? null, render: (p) => formatPerMtok(p.cacheReadPerMtok) },
      { key: 'cacheWrite', label: 'Cache write', numeric: true, value: (p) => p.cacheWritePerMtok ?? null, render: (p) => formatPerMtok(p.cacheWritePerMtok) },
      { key: 'verified', label: 'Status', value: (p) => (p.verified ? 'verified' : 'unverified'), render: (p) => <span class={`badge badge-${p.verified ? 'ok' : 'warn'}`}>{p.verified ? 'verified' : 'unverified'}</span> },
      { key: 'source', label: 'Source', value: (p) => p.source },
      { key: 'from', label: 'In effect since', value: (p) => p.effectiveFrom, render: (p) => since(p.effectiveFrom) },
    ],
    [onSelect],
  )
  return (
    <Section title="Catalog">
      <form
        class="controls"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          onSearch(draft.trim())
        }}
      >
        <Control label="Search models">
          {(id) => (
            <input id={id} type="search" value={draft} placeholder="e.g. sonnet, gpt-4o" onInput={(e) => setDraft(e.currentTarget.value)} />
          )}
        </Control>
        <button type="submit">Search</button>
      </form>
      <Loaded resource={prices} what="the price catalog">
        {(items) =>
          items.length === 0 ? (
            <Empty title={search ? `No model matches "${search}"` : 'The catalog is empty'}>{search && <p>Search for part of a model id, such as "claude" or "mini".</p>}</Empty>
          ) : (
            <SortableTable testId="price-table" caption={`Prices in USD per million tokens (${items.length} models)`} columns={columns} rows={items} rowKey={(p) => `${p.provider}/${p.model}`} initialSort={{ key: 'provider', descending: false }} pageSize={100} />
          )
        }
      </Loaded>
    </Section>
  )
}

function History({ modelKey, onClose }: { modelKey: string; onClose: () => void }) {
  const slash = modelKey.indexOf('/')
  const provider = modelKey.slice(0, slash)
  const model = modelKey.slice(slash + 1)
  const history = useResource((signal) => orMissing(get<PriceHistory>(`/api/v1/prices/history/${seg(provider)}/${seg(model)}`, undefined, signal)), [modelKey], ON_PRICES)
  return (
    <Section
      title={`Price history: ${modelKey}`}
      id="price-history"
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <Loaded resource={history} what="the price history">
        {(h) => (h === null ? <NotOffered what="price history" /> : <HistoryChart history={h} />)}
      </Loaded>
    </Section>
  )
}

function HistoryChart({ history }: { history: PriceHistory }) {
  const chart = useMemo(() => {
    // Start at most half a year back (the bundled catalog dates its prices from 1970); the
    // version in effect then is drawn from the window's start.
    const nowS = Date.now() / 1000
    const versions = history.versions
    const starts = versions.map((v) => Date.parse(v.effectiveFrom) / 1000)
    const windowStart = Math.max(starts[0] ?? nowS, nowS - 180 * 86_400)
    const shown = versions.filter((_, i) => (starts[i + 1] ?? Infinity) > windowStart)
    const x = shown.map((v) => Math.max(windowStart, Date.parse(v.effectiveFrom) / 1000))
    const last = shown[shown.length - 1]
    if (last !== undefined) x.push(Math.max(nowS, Date.parse(last.effectiveTo ?? last.effectiveFrom) / 1000))
    const values = (pick: (v: ModelPrice) => number | undefined) => [...shown.map((v) => pick(v) ?? null), last ? (pick(last) ?? null) : null]
    return {
      x,
      series: [
        { label: 'Input', values: values((v) => v.inputPerMtok) },
        { label: 'Output', values: values((v) => v.outputPerMtok) },
        { label: 'Cache read', values: values((v) => v.cacheReadPerMtok) },
      ],
    }
  }, [history])
  if (history.versions.length === 0) return <p class="muted">No applied price versions for this model.</p>
  return (
    <>
      <Chart testId="chart-price-history" label={`Price per million tokens of ${history.provider}/${history.model} over time`} kind="steps" x={chart.x} series={chart.series} format={formatPerMtok} height={220} />
      <ol class="versions">
        {history.versions.map((v) => (
          <li key={v.version}>
            {since(v.effectiveFrom)}: input {formatPerMtok(v.inputPerMtok)}, output {formatPerMtok(v.outputPerMtok)} <span class="muted">({v.source}{v.verified ? ', verified' : ''})</span>
          </li>
        ))}
      </ol>
    </>
  )
}

function health(s: PriceSource): { word: string; tone: 'ok' | 'warn' | 'bad' | 'info' } {
  if (!s.enabled) return { word: 'disabled', tone: 'info' }
  if (s.lastAttemptAt === null) return { word: 'not yet read', tone: 'info' }
  if (s.lastErrorAt !== null && (s.lastSuccessAt === null || s.lastErrorAt > s.lastSuccessAt)) return { word: 'failing', tone: 'bad' }
  return { word: 'healthy', tone: 'ok' }
}

function Sources() {
  const sources = useResource((signal) => orMissing(get<PriceSource[] | { items: PriceSource[] }>('/api/v1/prices/sources', undefined, signal).then(itemsOf)), [], ON_PRICES)
  const columns: Column<PriceSource>[] = [
    { key: 'id', label: 'Source', value: (s) => s.id, render: (s) => (s.url ? <a href={s.url} rel="noreferrer" target="_blank">{s.id}</a> : s.id) },
    { key: 'kind', label: 'Kind', value: (s) => s.kind },
    { key: 'health', label: 'Health', value: (s) => health(s).word, render: (s) => <span class={`badge badge-${health(s).tone}`}>{health(s).word}</span> },
    { key: 'trust', label: 'Trust', numeric: true, value: (s) => s.trust, render: (s) => s.trust.toFixed(2) },
    { key: 'models', label: 'Models', numeric: true, value: (s) => s.observations },
    { key: 'success', label: 'Last success', value: (s) => s.lastSuccessAt, render: (s) => formatAgo(s.lastSuccessAt) },
    { key: 'error', label: 'Last error', value: (s) => s.lastError, render: (s) => (s.lastError ? <span title={formatInstant(s.lastErrorAt)}>{s.lastError}</span> : '—') },
  ]
  return (
    <Section title="Sources">
      <Loaded resource={sources} what="price sources">
        {(items) => (items === null ? <NotOffered what="price sources" /> : <SortableTable testId="sources-table" caption="Where prices come from" columns={columns} rows={items} rowKey={(s) => s.id} initialSort={{ key: 'trust', descending: true }} />)}
      </Loaded>
    </Section>
  )
}
