/**
 * MCP resources: a budget and its standing (`budget://{id}`, id or name), the open
 * (unacknowledged) alerts, newest first (`budget://alerts`), and the prices in effect
 * (`budget://prices`). Each is the JSON the REST API would give, and each can be subscribed
 * to (subscriptions.ts).
 *
 * What makes a resource "updated" is its fingerprint: for a budget, each policy's status
 * and window start — so a status change (warning, action, exceeded) and a new window
 * notify, ordinary usage inside a status does not; for alerts, which alerts are open;
 * for prices, the price versions in effect.
 *
 * `budget://alerts` and `budget://prices` take precedence over budgets of those names;
 * ids always work.
 */
import { createHash } from 'node:crypto'
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import { McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js'
import type { BudgetService } from '../client/service.js'
import { BudgetError } from '../domain/errors.js'
import type { Topic } from '../events/bus.js'
import type { Watchable } from './subscriptions.js'

export const ALERTS_URI = 'budget://alerts'
export const PRICES_URI = 'budget://prices'
const BUDGET_PREFIX = 'budget://'
const JSON_TYPE = 'application/json'
/** JSON-RPC code the MCP spec gives an unknown resource. */
const RESOURCE_NOT_FOUND = -32002

const BUDGET_TOPICS: readonly Topic[] = ['usage', 'budget_events', 'budget_alerts']
const PRICE_TOPICS: readonly Topic[] = ['price_updates']
const ALERT_TOPICS: readonly Topic[] = ['budget_alerts', 'usage', 'allocation_updates', 'price_updates']
const ALERT_SETTLE_MS = 500

type Summary = Awaited<ReturnType<BudgetService['summary']>>

const budgetUri = (id: string) => `${BUDGET_PREFIX}${encodeURIComponent(id)}`

const json = (uri: string, value: unknown): ReadResourceResult => ({ contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(value) }] })

/** A status key of each policy in its window: what a subscriber is told about when it changes. */
const standing = (summary: Summary) => summary.policies.map((p) => `${p.policyId}:${p.status}:${p.windowStart ?? ''}`).join(',')

/** When the earliest of these windows ends: a new window changes the standing even with no event. */
function nextWindowEndMs(summaries: readonly Summary[]): number | null {
  let next: number | null = null
  for (const summary of summaries) {
    for (const p of summary.policies) {
      if (p.windowEnd === null) continue
      const end = Date.parse(p.windowEnd)
      if (next === null || end < next) next = end
    }
  }
  return next
}

async function budgetView(service: BudgetService, idOrName: string) {
  const budget = await service.getBudget(idOrName)
  return { budget, summary: await service.summary(budget.id) }
}

const OPEN_ALERTS = { acknowledged: false, limit: 100 } as const

const openAlerts = async (service: BudgetService) => ({ items: (await service.listAlerts(OPEN_ALERTS)).items })

/** The resource a URI names, as the subscription watcher sees it; null for a URI that names none. */
export function watchable(service: BudgetService, uri: string): Watchable | null {
  if (uri === PRICES_URI) {
    return {
      topics: PRICE_TOPICS,
      async fingerprint() {
        const prices = await service.currentPrices({})
        const hash = createHash('sha256')
        for (const p of prices) hash.update(`${p.provider}/${p.model}@${p.version}\n`)
        return { key: hash.digest('hex'), nextChangeMs: null }
      },
    }
  }
  if (uri === ALERTS_URI) {
    return {
      topics: ALERT_TOPICS,
      // Alerts are raised by the alert evaluator after the usage event that caused them.
      settleMs: ALERT_SETTLE_MS,
      async fingerprint() {
        const { items } = await openAlerts(service)
        return { key: items.map((a) => a.id).join(','), nextChangeMs: null }
      },
    }
  }
  if (!uri.startsWith(BUDGET_PREFIX) || uri.length === BUDGET_PREFIX.length) return null
  const idOrName = decodeURIComponent(uri.slice(BUDGET_PREFIX.length))
  return {
    topics: BUDGET_TOPICS,
    async fingerprint() {
      try {
        const { budget, summary } = await budgetView(service, idOrName)
        return { key: `${budget.archived}|${standing(summary)}`, nextChangeMs: nextWindowEndMs([summary]) }
      } catch (error) {
        if (error instanceof BudgetError && error.code === 'NOT_FOUND') return { key: 'missing', nextChangeMs: null }
        throw error
      }
    },
  }
}

async function read(uri: string, load: () => Promise<unknown>): Promise<ReadResourceResult> {
  try {
    return json(uri, await load())
  } catch (error) {
    if (error instanceof BudgetError && error.code === 'NOT_FOUND') throw new McpError(RESOURCE_NOT_FOUND, error.message, { uri, code: error.code })
    throw error
  }
}

export function registerResources(server: McpServer, service: BudgetService): void {
  server.registerResource(
    'budget',
    new ResourceTemplate(`${BUDGET_PREFIX}{id}`, {
      list: async () => ({
        resources: (await service.listBudgets()).map((b) => ({
          uri: budgetUri(b.id),
          name: b.name,
          mimeType: JSON_TYPE,
          ...(b.description !== null && { description: b.description }),
        })),
      }),
    }),
    { title: 'Budget', description: 'A budget and where each of its policies stands in its current window (by id or name)', mimeType: JSON_TYPE },
    (uri, variables) => read(uri.href, () => budgetView(service, decodeURIComponent(String(variables.id)))),
  )
  server.registerResource(
    'alerts',
    ALERTS_URI,
    { title: 'Alerts', description: `Open (unacknowledged) alerts, newest first, at most ${OPEN_ALERTS.limit}`, mimeType: JSON_TYPE },
    (uri) => read(uri.href, () => openAlerts(service)),
  )
  server.registerResource(
    'prices',
    PRICES_URI,
    { title: 'Prices', description: 'The price in effect now for every model, USD per million tokens', mimeType: JSON_TYPE },
    (uri) => read(uri.href, async () => ({ items: await service.currentPrices({}) })),
  )
}
