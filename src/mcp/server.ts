/**
 * One MCP server over a BudgetService: every tool, the resources and their subscriptions.
 * The stdio command and the HTTP endpoint each make one per connection from here, so the
 * two transports serve the same definitions.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { McpError, ErrorCode, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import type { BudgetService } from '../client/service.js'
import { VERSION } from '../version.js'
import { registerResources, watchable } from './resources.js'
import { type EventSource, ResourceWatcher } from './subscriptions.js'
import { registerTools, type Tool } from './tool.js'
import { getModelRecommendations, routeWithBudgetAwareness } from './tools/models.js'
import { calculateCost, getPrices } from './tools/prices.js'
import { allocateBudget, checkBudget, recordUsage } from './tools/reservations.js'
import { getBudgetStatus, getUsageAnalytics } from './tools/status.js'

export const TOOLS: readonly Tool[] = [
  allocateBudget,
  checkBudget,
  recordUsage,
  getBudgetStatus,
  getModelRecommendations,
  routeWithBudgetAwareness,
  getUsageAnalytics,
  getPrices,
  calculateCost,
]

const INSTRUCTIONS = `Tekton Budget governs what LLM calls cost.
Before an LLM call, call check_budget (or route_with_budget_awareness to let it pick a cheaper model that fits) with the provider, model, input tokens and max output tokens; do not make the call when allowed is false.
After the call, call record_usage with the reservation id and the real token counts.
get_budget_status shows where budgets stand; subscribe to budget://{id} to hear when one reaches warning, action or exceeded, or starts a new window.`

export interface McpServerOptions {
  service: BudgetService
  /** The embedded engine's event bus; without it (a remote server) subscriptions are polled. */
  events?: EventSource | undefined
  /** Poll interval of subscriptions without events. Default 15 s. */
  pollMs?: number
  /** Unexpected failures: a tool that threw something other than a BudgetError, a failed notification. */
  onError?: (error: unknown) => void
}

export interface BudgetMcpServer {
  readonly server: McpServer
  close(): Promise<void>
}

export function createMcpServer(options: McpServerOptions): BudgetMcpServer {
  const onError = options.onError ?? (() => {})
  const server = new McpServer(
    { name: 'tekton-budget', title: 'Tekton Budget', version: VERSION },
    { capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  )
  registerTools(server, options.service, TOOLS, onError)
  registerResources(server, options.service)

  const watcher = new ResourceWatcher({
    resolve: (uri) => watchable(options.service, uri),
    notify: (uri) => server.server.sendResourceUpdated({ uri }),
    events: options.events,
    pollMs: options.pollMs ?? 15_000,
    onError,
  })
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    if (!(await watcher.subscribe(request.params.uri))) throw new McpError(ErrorCode.InvalidParams, `no resource ${request.params.uri}`)
    return {}
  })
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    watcher.unsubscribe(request.params.uri)
    return {}
  })
  const previous = server.server.onclose
  server.server.onclose = () => {
    watcher.close()
    previous?.()
  }

  return {
    server,
    async close() {
      watcher.close()
      await server.close()
    },
  }
}
