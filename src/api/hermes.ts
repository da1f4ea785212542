/**
 * Registration with Tekton's Hermes service registry, when HERMES_URL is set: register at
 * start (as `budget`, with its port, capabilities and health URL), heartbeat on an
 * interval, unregister on shutdown. Hermes being down is logged, never fatal: the budget
 * service works without a registry. A registration that failed is tried again at the
 * next heartbeat, and so is one Hermes has forgotten (a heartbeat answered 404).
 *
 * Paths are appended to HERMES_URL as given, so `http://hermes:8001/api` posts to
 * `http://hermes:8001/api/registration/register`.
 */
import type { FastifyBaseLogger } from 'fastify'
import { VERSION } from '../version.js'

const COMPONENT_ID = 'budget'
const DEFAULT_HEARTBEAT_MS = 30_000
const TIMEOUT_MS = 5_000

export interface Hermes {
  stop(): Promise<void>
}

export interface HermesOptions {
  /** Between heartbeats; default 30 s. */
  heartbeatMs?: number
}

/** What Hermes is told about this service; `endpoint` is the URL the server listens on. */
export function registration(endpoint: string) {
  const base = endpoint.replace(/\/+$/, '')
  const port = Number(new URL(base).port) || (base.startsWith('https:') ? 443 : 80)
  return {
    component_id: COMPONENT_ID,
    name: COMPONENT_ID,
    type: 'budget',
    version: VERSION,
    port,
    endpoint: base,
    health_url: `${base}/health`,
    capabilities: ['budget_management', 'token_allocation', 'cost_tracking', 'price_catalog', 'usage_reporting', 'model_recommendations'],
    mcp_capabilities: [
      'allocate_budget',
      'check_budget',
      'record_usage',
      'get_budget_status',
      'get_model_recommendations',
      'route_with_budget_awareness',
      'get_usage_analytics',
    ],
    dependencies: [],
    metadata: { description: 'Tekton Budget: budgets, reservations and prices for LLM calls', port, health_url: `${base}/health`, api: '/api/v1', websocket: '/ws', mcp: '/mcp', legacy_mcp: '/api/mcp/message' },
  }
}

export function registerWithHermes(hermesUrl: string, endpoint: string, log: FastifyBaseLogger, options: HermesOptions = {}): Hermes {
  const root = hermesUrl.replace(/\/+$/, '')
  /** The response status, or null when Hermes could not be reached. */
  const post = async (path: string, body: unknown): Promise<number | null> => {
    try {
      const response = await fetch(`${root}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      await response.body?.cancel()
      if (!response.ok) log.warn({ path, status: response.status }, 'hermes refused a request')
      return response.status
    } catch (error) {
      log.warn({ path, err: error }, 'hermes is unreachable')
      return null
    }
  }

  let registered = false
  let pending: Promise<unknown> = Promise.resolve()
  const register = async () => {
    const status = await post('/registration/register', registration(endpoint))
    registered = status !== null && status >= 200 && status < 300
    if (registered) log.info({ hermes: root }, 'registered with hermes')
  }
  const beat = async () => {
    if (!registered) return register()
    const status = await post('/registration/heartbeat', { component_id: COMPONENT_ID, status: 'healthy' })
    if (status === 404) registered = false
  }

  pending = register()
  const timer = setInterval(() => {
    pending = pending.then(beat)
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await pending
      if (registered) await post('/registration/unregister', { component_id: COMPONENT_ID })
    },
  }
}
