import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { z } from 'zod'
import { Health } from '../../domain/health.js'
import { BUNDLED_PRICES_VERSION } from '../../pricing/bundled.js'
import type { Store } from '../../store/store.js'
import { VERSION } from '../../version.js'

export function healthRoutes(app: FastifyInstance, store: Store, startedAt: number): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['service']

  async function storeOk(): Promise<boolean> {
    try {
      await sql`select 1`.execute(store.db)
      return true
    } catch {
      return false
    }
  }

  api.get('/health', { schema: { tags, summary: 'Liveness and component health', response: { 200: Health } } }, async () => {
    const ok = await storeOk()
    return {
      status: ok ? ('ok' as const) : ('degraded' as const),
      version: VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      store: { dialect: store.traits.name, ok },
      priceSources: [{ id: 'bundled', version: BUNDLED_PRICES_VERSION, ok: true }],
    }
  })

  api.get(
    '/ready',
    { schema: { tags, summary: 'Ready to serve: 200, or 503 while the store is unreachable', response: { 200: z.object({ ready: z.literal(true) }), 503: z.object({ ready: z.literal(false) }) } } },
    async (_req, reply) => ((await storeOk()) ? { ready: true as const } : reply.status(503).send({ ready: false as const })),
  )
}
