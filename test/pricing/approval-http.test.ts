import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aKey, aTestServer, type Json, type TestServer } from '../support/http.js'
import { aFeedSet, type FeedSet } from './support/feed-server.js'

let feeds: FeedSet
let server: TestServer
let admin: { id: string; key: string }
let reader: { key: string }

beforeAll(async () => {
  feeds = await aFeedSet()
  server = await aTestServer({ BUDGET_PRICE_SOURCES: JSON.stringify(feeds.settings), BUDGET_PRICE_REFRESH: 'off' })
  admin = await aKey(server.call, 'admin')
  reader = await aKey(server.call, 'read', admin.key)
})
afterAll(async () => {
  await server.close()
  await feeds.close()
})

const pendingFor = async (model: string) => {
  const reply = await server.call('GET', '/api/v1/prices/changes?status=pending', { key: reader.key })
  return (reply.body.items as Json[]).find((c) => c.model === model)
}

describe('price approval over HTTP', () => {
  it('lists the sources with their trust before any refresh', async () => {
    const reply = await server.call('GET', '/api/v1/prices/sources', { key: reader.key })

    expect(reply.status).toBe(200)
    expect(reply.body.items.map((s: Json) => [s.id, s.trust, s.lastSuccessAt])).toEqual([
      ['manual', 1, null],
      ['bundled', 0.85, null],
      ['litellm', 0.9, null],
      ['llmprices', 0.8, null],
      ['openrouter', 0.8, null],
      ['llmprices_html', 0.8, null],
      ['pretrained_html', 0.7, null],
    ])
  })

  it('needs an admin key to refresh', async () => {
    const reply = await server.call('POST', '/api/v1/prices/refresh', { key: reader.key, body: {} })

    expect(reply.status).toBe(403)
    expect(reply.body.error.code).toBe('FORBIDDEN')
  })

  it('refreshes from the feeds and leaves doubtful changes pending', async () => {
    const reply = await server.call('POST', '/api/v1/prices/refresh', { key: admin.key, body: {} })
    const sources = await server.call('GET', '/api/v1/prices/sources', { key: reader.key })

    expect(reply.status).toBe(200)
    expect(reply.body.summary).toMatchObject({ changed: 2, pending: 2, failed: 0 })
    expect(sources.body.items.find((s: Json) => s.id === 'litellm')).toMatchObject({ lastSuccessAt: expect.any(String), observations: expect.any(Number), lastError: null })
    expect((await pendingFor('o1'))?.status).toBe('pending')
  })

  it('approves a pending change, recording the key that decided, and prices by it from then on', async () => {
    const o1 = await pendingFor('o1')

    const reply = await server.call('POST', `/api/v1/prices/changes/${o1.id}/approve`, { key: admin.key })
    const cost = await server.call('POST', '/api/v1/cost/calculate', { key: reader.key, body: { provider: 'openai', model: 'o1', inputTokens: 1_000_000, outputTokens: 0 } })

    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ status: 'applied', decidedBy: expect.stringContaining(admin.id), decidedAt: expect.any(String), appliedVersion: expect.stringMatching(/^litellm:openai\/o1@/) })
    expect(cost.body.costUsd).toBe(19.5)
  })

  it('refuses to decide a change twice', async () => {
    const [applied] = (await server.call('GET', '/api/v1/prices/changes?status=applied&model=o1', { key: reader.key })).body.items

    const reply = await server.call('POST', `/api/v1/prices/changes/${applied.id}/reject`, { key: admin.key, body: {} })

    expect(reply.status).toBe(409)
    expect(reply.body.error.code).toBe('CONFLICT')
  })

  it('rejects a pending change with a reason, recording who', async () => {
    const acme = await pendingFor('acme-7b-chat')

    const reply = await server.call('POST', `/api/v1/prices/changes/${acme.id}/reject`, { key: admin.key, body: { reason: 'not a model we use' } })

    expect(reply.body).toMatchObject({ status: 'rejected', decidedBy: expect.stringContaining(admin.id), reason: expect.stringContaining('not a model we use') })
    expect(await pendingFor('acme-7b-chat')).toBeUndefined()
  })

  it('answers 404 for an unknown change and 403 for a non-admin decision', async () => {
    expect((await server.call('POST', '/api/v1/prices/changes/pch_nope/approve', { key: admin.key })).status).toBe(404)
    expect((await server.call('POST', '/api/v1/prices/changes/pch_nope/approve', { key: reader.key })).status).toBe(403)
  })

  it('sets and removes a manual price, and shows it in the history with who set it', async () => {
    const set = await server.call('POST', '/api/v1/prices/manual', { key: admin.key, body: { provider: 'acme', model: 'acme-7b-chat', inputPerMtok: 0.5, outputPerMtok: 1.5, reason: 'contract price' } })
    const removed = await server.call('DELETE', '/api/v1/prices/manual?provider=acme&model=acme-7b-chat', { key: admin.key })
    const history = await server.call('GET', '/api/v1/prices/history/acme/acme-7b-chat', { key: reader.key })

    expect(set.status).toBe(201)
    expect(set.body).toMatchObject({ kind: 'manual_set', status: 'applied', source: 'manual', reason: 'contract price' })
    expect(removed.status).toBe(200)
    expect(history.body.versions).toHaveLength(1)
    expect(history.body.changes.map((c: Json) => c.kind)).toEqual(['manual_unset', 'manual_set', 'new'])
  })

  it('serves the history of a model whose id holds a slash', async () => {
    const reply = await server.call('GET', '/api/v1/prices/history/openrouter/openai/gpt-4o', { key: reader.key })

    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ provider: 'openrouter', model: 'openai/gpt-4o' })
  })

  it('answers 404 for the history of a model nobody prices, and 400 for a bad manual price', async () => {
    expect((await server.call('GET', '/api/v1/prices/history/acme/nothing-here', { key: reader.key })).status).toBe(404)
    const bad = await server.call('POST', '/api/v1/prices/manual', { key: admin.key, body: { provider: 'acme', model: 'x', inputPerMtok: -1, outputPerMtok: 1 } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.issues[0].path).toEqual(['body', 'inputPerMtok'])
  })
})
