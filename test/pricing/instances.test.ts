import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

describe.skipIf(!STORE_KINDS.includes('postgres'))('prices across instances on PostgreSQL', () => {
  let a: TestEngine
  let b: TestEngine
  beforeEach(async () => {
    a = await aTestEngine({ store: 'postgres' })
    b = await aTestEngine({ databaseUrl: a.databaseUrl })
    await Promise.all([a.relay?.ready(), b.relay?.ready()])
  })
  afterEach(async () => {
    await b.dispose()
    await a.dispose()
  })

  it('reloads the other instance\'s catalog when one changes a price', async () => {
    await a.engine.setManualPrice({ provider: 'openai', model: 'gpt-4.1', inputPerMtok: 4, outputPerMtok: 16 }, 'ada')

    await vi.waitFor(async () => {
      const cost = await b.engine.calculateCost({ provider: 'openai', model: 'gpt-4.1', inputTokens: 1_000_000, outputTokens: 0 })
      expect(cost.costUsd).toBe(4)
    })
  })
})
