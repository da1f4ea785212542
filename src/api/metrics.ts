/**
 * Prometheus metrics at /metrics: process defaults, HTTP requests by route and status,
 * and budget decisions and records as the event bus reports them. One registry per app,
 * so that several apps in one process (tests) don't collide.
 */
import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import type { EventBus } from '../events/bus.js'

export function registerMetrics(app: FastifyInstance, events: EventBus): void {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({ name: 'budget_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] })
  const duration = new Histogram({
    name: 'budget_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  })
  const checks = new Counter({ name: 'budget_checks_total', help: 'Budget checks by decision', labelNames: ['action'], registers: [registry] })
  const records = new Counter({ name: 'budget_usage_records_total', help: 'Usage records stored', registers: [registry] })

  const unsubscribe = events.subscribe((event) => {
    // Another instance counts its own events; counting relayed ones would double them.
    if (event.remote === true) return
    if (event.type === 'budget.check') checks.inc({ action: (event.payload as { action: string }).action })
    if (event.type === 'usage.recorded') records.inc()
    if (event.type === 'usage.batch') records.inc((event.payload as { accepted: number }).accepted)
  })
  app.addHook('onClose', async () => {
    unsubscribe()
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ method: request.method, route, status: reply.statusCode })
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType)
    return registry.metrics()
  })
}
