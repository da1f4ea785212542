import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ApiKey, ApiKeyInput, CreatedApiKey } from '../../domain/api-key.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam } from './shared.js'

export function keyRoutes(app: FastifyInstance, engine: BudgetEngine, onChange: () => void): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['keys']
  const config = { role: 'admin' as const }

  api.post(
    '/api/v1/keys',
    { config, schema: { tags, summary: 'Create an API key (the secret is shown once)', body: ApiKeyInput, response: { 201: CreatedApiKey } } },
    async (req, reply) => {
      const key = await engine.createKey(req.body)
      onChange()
      return reply.status(201).send(key)
    },
  )

  api.get('/api/v1/keys', { config, schema: { tags, summary: 'List API keys (never their secrets)', response: { 200: z.object({ items: z.array(ApiKey) }) } } }, async () => ({
    items: await engine.listKeys(),
  }))

  api.delete('/api/v1/keys/:id', { config, schema: { tags, summary: 'Revoke an API key', params: IdParam, response: { 200: ApiKey } } }, async (req) => {
    const key = await engine.revokeKey(req.params.id)
    onChange()
    return key
  })
}
