/**
 * The history the dashboard tests look at, recorded over HTTP like any client would:
 * two budgets with policies and one without, a week of usage across providers, models, components, task
 * types and sessions (one model without a price), and usage today that takes one policy
 * past its warning threshold and another past its limit, so that alerts exist.
 */
import type { Call } from '../support/http.js'

const HOUR_MS = 3_600_000

const MODELS = [
  { provider: 'anthropic', model: 'claude-sonnet-4-20250514' },
  { provider: 'anthropic', model: 'claude-3-5-haiku-20241022' },
  { provider: 'openai', model: 'gpt-4o' },
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'google', model: 'gemini-2.5-flash' },
  { provider: 'local', model: 'llama-in-house' },
] as const
const COMPONENTS = ['planner', 'coder', 'reviewer'] as const
const TASKS = ['chat', 'summarise'] as const

export interface Seeded {
  research: { id: string; name: string }
  support: { id: string; name: string }
  /** Holds the week of history; it has no policies. */
  batch: { id: string; name: string }
  /** Ids of every usage record, oldest first. */
  usageIds: string[]
}

async function ok<T>(reply: Promise<{ status: number; body: T }>, expected = 201): Promise<T> {
  const { status, body } = await reply
  if (status !== expected) throw new Error(`seeding answered ${status}: ${JSON.stringify(body)}`)
  return body
}

export async function seedHistory(call: Call, nowMs = Date.now()): Promise<Seeded> {
  const research = await ok<{ id: string; name: string }>(call('POST', '/api/v1/budgets', { body: { name: 'research', owner: 'ada', tags: ['agents'] } }))
  const support = await ok<{ id: string; name: string }>(call('POST', '/api/v1/budgets', { body: { name: 'support', owner: 'grace' } }))
  const batch = await ok<{ id: string; name: string }>(call('POST', '/api/v1/budgets', { body: { name: 'batch-jobs', description: 'Nightly summaries' } }))
  await ok(call('POST', '/api/v1/policies', { body: { budgetId: research.id, type: 'hard_limit', period: 'daily', tokenLimit: 100_000 } }))
  await ok(call('POST', '/api/v1/policies', { body: { budgetId: research.id, type: 'soft_limit', period: 'monthly', costLimitUsd: 50 } }))
  await ok(call('POST', '/api/v1/policies', { body: { budgetId: support.id, type: 'warn', period: 'hourly', tokenLimit: 10_000 } }))

  // A week of history, every three hours, ending 90 minutes ago: no bucket straddles "now".
  const records = Array.from({ length: 48 }, (_, i) => {
    const m = MODELS[i % MODELS.length]!
    return {
      id: `seed-${i}`,
      budgetId: batch.id,
      ...m,
      component: COMPONENTS[i % COMPONENTS.length],
      taskType: TASKS[i % TASKS.length],
      contextId: `session-${i % 5}`,
      inputTokens: 1_000 + 137 * i,
      outputTokens: 200 + 31 * i,
      cacheReadTokens: i % 4 === 0 ? 5_000 : 0,
      timestamp: new Date(nowMs - 90 * 60_000 - (47 - i) * 3 * HOUR_MS).toISOString(),
    }
  })
  await ok(call('POST', '/api/v1/usage', { body: { records } }))

  // Today: research at 90 % of its daily tokens (warning), support past its hourly limit (exceeded).
  await ok(call('POST', '/api/v1/usage', { body: { id: 'today-research', budgetId: research.id, provider: 'anthropic', model: 'claude-sonnet-4-20250514', component: 'planner', inputTokens: 80_000, outputTokens: 10_000 } }))
  await ok(call('POST', '/api/v1/usage', { body: { id: 'today-support', budgetId: support.id, provider: 'openai', model: 'gpt-4o-mini', component: 'reviewer', inputTokens: 11_000, outputTokens: 1_000 } }))
  await ok(call('POST', '/api/v1/alerts/check', { body: {} }), 200)

  return { research, support, batch, usageIds: [...records.map((r) => r.id), 'today-research', 'today-support'] }
}
