/**
 * Registration with Tekton's Hermes service registry, when HERMES_URL is set: register at
 * start, heartbeat on an interval, unregister on shutdown. Hermes being down is logged,
 * never fatal: the budget service works without a registry.
 */
import type { FastifyBaseLogger } from 'fastify'
import { VERSION } from '../version.js'

const COMPONENT_ID = 'budget'
const HEARTBEAT_MS = 30_000
const TIMEOUT_MS = 5_000

export interface Hermes {
  stop(): Promise<void>
}

export function registerWithHermes(hermesUrl: string, endpoint: string, log: FastifyBaseLogger): Hermes {
  const post = async (path: string, body: unknown) => {
    try {
      const response = await fetch(new URL(path, hermesUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      if (!response.ok) log.warn({ path, status: response.status }, 'hermes refused a request')
    } catch (error) {
      log.warn({ path, err: error }, 'hermes is unreachable')
    }
  }
  void post('/registration/register', {
    component_id: COMPONENT_ID,
    name: 'Tekton Budget',
    type: 'budget',
    version: VERSION,
    capabilities: ['budget_management', 'token_allocation', 'cost_tracking', 'price_catalog'],
    mcp_capabilities: ['allocate_budget', 'check_budget', 'record_usage', 'get_budget_status'],
    dependencies: [],
    metadata: { api: '/api/v1', websocket: '/ws', mcp: '/mcp' },
    endpoint,
  })
  const timer = setInterval(() => void post('/registration/heartbeat', { component_id: COMPONENT_ID, status: 'healthy' }), HEARTBEAT_MS)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await post('/registration/unregister', { component_id: COMPONENT_ID })
    },
  }
}
