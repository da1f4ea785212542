/**
 * The Fastify application: zod validation and serialization, OpenAPI at /docs, the error
 * envelope, authentication, rate limits, metrics and every route. Building it does not
 * listen; server.ts does, and tests call inject() or listen on port 0.
 */
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import { createAdapters } from '../compat/adapters.js'
import type { RhetorEnvSettings } from '../compat/rhetor/budget-manager.js'
import { BudgetError } from '../domain/errors.js'
import type { BudgetEngine } from '../engine/engine.js'
import type { Store } from '../store/store.js'
import { VERSION } from '../version.js'
import { registerAuth, secretOf } from './auth.js'
import { registerErrorHandling } from './errors.js'
import { registerHostGuard } from './host-guard.js'
import { mcpRoutes } from './mcp-http.js'
import { registerMetrics } from './metrics.js'
import { alertRoutes } from './routes/alerts.js'
import { budgetRoutes } from './routes/budgets.js'
import { compatApolloRoutes } from './routes/compat-apollo.js'
import { compatRhetorRoutes } from './routes/compat-rhetor.js'
import { compatTektonRoutes } from './routes/compat-tekton.js'
import { channelRoutes } from './routes/channels.js'
import { healthRoutes } from './routes/health.js'
import { keyRoutes } from './routes/keys.js'
import { modelRoutes } from './routes/models.js'
import { policyRoutes } from './routes/policies.js'
import { priceAdminRoutes } from './routes/price-admin.js'
import { priceRoutes } from './routes/prices.js'
import { reportRoutes } from './routes/reports.js'
import { reservationRoutes } from './routes/reservations.js'
import { usageRoutes } from './routes/usage.js'
import { dashboardRoutes } from './static.js'
import { type LiveOptions, liveRoutes } from './ws.js'

export interface AppOptions {
  engine: BudgetEngine
  store: Store
  /** True on a loopback host or with --insecure: no key needed until one is created. */
  openWithoutKeys: boolean
  /** Bound to a loopback address: refuse requests whose Host is not a loopback name. */
  loopbackOnly?: boolean
  /** Requests a minute per API key (or per address without one); 0 turns the limit off. */
  rateLimitPerMinute: number
  logLevel?: string
  /** Rhetor's RHETOR_BUDGET_* settings, for the Rhetor compatibility adapter. */
  rhetor?: RhetorEnvSettings
  /** WebSocket limits (heartbeat, slow-consumer bound); defaults in ws.ts. */
  live?: Partial<LiveOptions>
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      // Logs go to stderr so that stdout stays for results (a CLI's --json, a pipe).
      stream: process.stderr,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    },
    logController: new LogController({ disableRequestLogging: options.logLevel !== 'debug' }),
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tekton Budget API',
        version: VERSION,
        description: 'Budgets, reservations and exact pricing for LLM calls. Money is decimal USD, instants ISO-8601.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  if (options.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => secretOf(request) ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new BudgetError('RATE_LIMITED', `rate limit of ${context.max} requests a minute reached; retry in ${context.after}`, { max: context.max, retryAfter: context.after }),
    })
  }

  if (options.loopbackOnly === true) registerHostGuard(app)
  const auth = registerAuth(app, { engine: options.engine, openWithoutKeys: options.openWithoutKeys })
  registerMetrics(app, options.engine.ctx.events)
  healthRoutes(app, options.store, Date.now())
  budgetRoutes(app, options.engine)
  policyRoutes(app, options.engine)
  reservationRoutes(app, options.engine)
  usageRoutes(app, options.engine)
  reportRoutes(app, options.engine)
  priceRoutes(app, options.engine)
  priceAdminRoutes(app, options.engine)
  keyRoutes(app, options.engine, () => auth.invalidate())
  const compat = createAdapters(options.engine, options.rhetor)
  compatApolloRoutes(app, compat.apollo)
  compatRhetorRoutes(app, compat.rhetor)
  compatTektonRoutes(app, compat)
  alertRoutes(app, options.engine)
  channelRoutes(app, options.engine)
  options.engine.alerts.useLog(app.log)
  await liveRoutes(app, options.engine, { openWithoutKeys: options.openWithoutKeys, ...(options.live !== undefined && { live: options.live }) })
  modelRoutes(app, options.engine)
  mcpRoutes(app, { engine: options.engine, openWithoutKeys: options.openWithoutKeys })
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await dashboardRoutes(app)
  return app
}
