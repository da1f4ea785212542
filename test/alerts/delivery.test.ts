/**
 * Delivering alerts to channels, against real local HTTP receivers: the webhook's
 * signature, retries with backoff and the delivery log, one delivery per alert across
 * instances, Slack's payload, channel filters, price alerts, and a channel that hangs
 * never holding up the request that raised the alert.
 */
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { raisePriceAlert } from '../../src/alerts/price-alerts.js'
import { openEngine } from '../../src/engine/engine.js'
import { aBudgetWithPolicy, aDatabase, aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'
import { aReceiver, type Answer, type Receiver } from './receiver.js'

const BASE = Date.parse('2026-03-10T23:00:00Z')
const SECRET = 'test-secret-0123456789abcdef'

let t: TestEngine
const receivers: Receiver[] = []
const channelIds: string[] = []

beforeAll(async () => {
  t = await aTestEngine({ startMs: BASE })
  t.engine.alerts.configureDelivery({ baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 })
  t.engine.alerts.useLog(quiet)
})

afterEach(async () => {
  await t.engine.alerts.idle()
  for (const id of channelIds.splice(0)) await t.engine.deleteChannel(id)
  for (const receiver of receivers.splice(0)) await receiver.close()
})

afterAll(async () => {
  await t.dispose()
})

async function aWebhook(answer?: (n: number) => Answer, channel: Record<string, unknown> = {}) {
  const receiver = await aReceiver(answer)
  receivers.push(receiver)
  const created = await t.engine.createChannel({ name: 'hook', kind: 'webhook', url: receiver.url, secret: SECRET, ...channel } as never)
  channelIds.push(created.id)
  return { receiver, channel: created }
}

/** A budget whose daily policy of 10,000 tokens `tokens` of usage pushes past warning (8,000) — or further. */
async function crossing(tokens = 8_500) {
  const { budget, policy } = await aBudgetWithPolicy(t, { period: 'daily', tokenLimit: 10_000 })
  await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: tokens, outputTokens: 0 }) as never)
  await t.engine.alerts.idle()
  return { budget, policy }
}

const quiet = { info() {}, warn() {}, error() {} }

const signatureOf = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

describe('webhook channel', () => {
  it('posts the alert as JSON signed with the channel secret', async () => {
    const { receiver } = await aWebhook()

    const { budget, policy } = await crossing()

    const [request] = receiver.requests
    expect(receiver.requests).toHaveLength(1)
    expect(request?.headers['x-budget-signature']).toBe(signatureOf(request?.body ?? ''))
    expect(request?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(request?.body ?? '')).toMatchObject({ type: 'alert.raised', alert: { type: 'warning', budgetId: budget.id, policyId: policy.id, metric: 'tokens', value: 8_500, limit: 10_000 } })
  })

  it('generates a secret when none is given and shows it only on creation', async () => {
    const receiver = await aReceiver()
    receivers.push(receiver)

    const created = await t.engine.createChannel({ name: 'generated', kind: 'webhook', url: receiver.url } as never)
    channelIds.push(created.id)
    await crossing()

    expect(created.secret).toMatch(/^whsec_[0-9a-f]{64}$/)
    expect(await t.engine.getChannel(created.id)).toMatchObject({ hasSecret: true })
    expect(await t.engine.getChannel(created.id)).not.toHaveProperty('secret')
    const [request] = receiver.requests
    expect(request?.headers['x-budget-signature']).toBe(signatureOf(request?.body ?? '', created.secret as string))
  })

  it('retries after a 500 with the same signed body, and logs every attempt', async () => {
    const { receiver, channel } = await aWebhook((n) => (n < 2 ? 500 : 200))

    await crossing()

    expect(receiver.requests).toHaveLength(3)
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1)
    expect(receiver.requests.map((r) => r.headers['x-budget-delivery-attempt'])).toEqual(['1', '2', '3'])
    expect(receiver.requests.every((r) => r.headers['x-budget-signature'] === signatureOf(r.body))).toBe(true)
    const log = await t.engine.listDeliveries({ channelId: channel.id, limit: 100 })
    expect(log.items.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([
      [3, 'delivered', 200],
      [2, 'retrying', 500],
      [1, 'retrying', 500],
    ])
  })

  it('gives up after the last attempt', async () => {
    t.engine.alerts.configureDelivery({ maxAttempts: 3 })
    try {
      const { receiver, channel } = await aWebhook(() => 503)

      await crossing()

      expect(receiver.requests).toHaveLength(3)
      const log = await t.engine.listDeliveries({ channelId: channel.id, limit: 100 })
      expect(log.items.map((d) => d.status)).toEqual(['failed', 'retrying', 'retrying'])
    } finally {
      t.engine.alerts.configureDelivery({ maxAttempts: 5 })
    }
  })

  it('does not retry a client error', async () => {
    const { receiver, channel } = await aWebhook(() => 404)

    await crossing()

    expect(receiver.requests).toHaveLength(1)
    expect((await t.engine.listDeliveries({ channelId: channel.id, limit: 100 })).items.map((d) => [d.status, d.httpStatus])).toEqual([['failed', 404]])
  })

  it('retries a receiver that cannot be reached, logging the network error', async () => {
    const receiver = await aReceiver()
    const url = receiver.url
    await receiver.close()
    const created = await t.engine.createChannel({ name: 'gone', kind: 'webhook', url } as never)
    channelIds.push(created.id)
    t.engine.alerts.configureDelivery({ maxAttempts: 2 })
    try {
      await crossing()
    } finally {
      t.engine.alerts.configureDelivery({ maxAttempts: 5 })
    }

    const log = await t.engine.listDeliveries({ channelId: created.id, limit: 100 })
    expect(log.items.map((d) => [d.status, d.httpStatus])).toEqual([
      ['failed', null],
      ['retrying', null],
    ])
    expect(log.items[0]?.error).toMatch(/ECONNREFUSED/)
  })

  it.each(STORE_KINDS)('delivers each alert once, however often and by however many instances it is evaluated (%s)', async (store) => {
    const { receiver } = await aWebhook()
    const first = store === 'sqlite' ? t : await aTestEngine({ store, startMs: BASE })
    const second = await openEngine({ databaseUrl: first.databaseUrl, now: () => first.clock.now })
    const instances = [first.engine, second.engine]
    try {
      if (first !== t) await first.engine.createChannel({ name: 'hook', kind: 'webhook', url: receiver.url, secret: SECRET })
      const { budget } = await aBudgetWithPolicy(first, { period: 'daily', tokenLimit: 10_000 })

      await Promise.all([
        first.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 10_500, outputTokens: 0 }) as never),
        ...instances.flatMap((engine) => [engine.checkAlerts({ budgetId: budget.id }), engine.checkAlerts({ budgetId: budget.id })]),
      ])
      for (const engine of instances) await engine.checkAlerts({ budgetId: budget.id })
      for (const engine of instances) await engine.alerts.idle()

      const alertIds = receiver.requests.map((r) => r.headers['x-budget-alert-id'])
      const alerts = (await first.engine.listAlerts({ budgetId: budget.id, limit: 100 })).items
      expect(alerts.map((a) => a.type).sort()).toEqual(['action', 'exceeded', 'warning'])
      expect(alertIds.sort()).toEqual(alerts.map((a) => a.id).sort())
    } finally {
      await second.close()
      if (first !== t) await first.dispose()
    }
  })

  it('never holds up recording while a receiver hangs', async () => {
    const { receiver } = await aWebhook(() => 'hang')
    const { budget } = await aBudgetWithPolicy(t, { period: 'daily', tokenLimit: 10_000 })
    await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 8_500, outputTokens: 0 }) as never)
    await receiver.received(1)

    const recorded = await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 500, outputTokens: 0 }) as never)

    expect(recorded.created).toBe(true)
    expect(receiver.waiting).toBe(1)
    receiver.release()
  })
})

describe('slack channel', () => {
  it('posts an incoming-webhook payload with text and blocks', async () => {
    const receiver = await aReceiver()
    receivers.push(receiver)
    const channel = await t.engine.createChannel({ name: 'slack', kind: 'slack', url: receiver.url } as never)
    channelIds.push(channel.id)

    await crossing()

    const payload = JSON.parse(receiver.requests[0]?.body ?? '{}') as { text: string; blocks: { type: string }[] }
    expect(payload.text).toContain('warning')
    expect(payload.blocks.map((b) => b.type)).toEqual(['section', 'context'])
    expect(receiver.requests[0]?.headers['x-budget-signature']).toBeUndefined()
  })
})

describe('channel selection', () => {
  it('sends a channel only the alerts of its budget, severity and types', async () => {
    const { budget: other } = await aBudgetWithPolicy(t)
    const { receiver: ofOther } = await aWebhook(undefined, { budgetId: other.id })
    const { receiver: critical } = await aWebhook(undefined, { minSeverity: 'critical' })
    const { receiver: exceededOnly } = await aWebhook(undefined, { types: ['exceeded'] })
    const { receiver: disabled } = await aWebhook(undefined, { enabled: false })

    await crossing(10_000)

    const typesOf = (r: Receiver) => r.requests.map((q) => (JSON.parse(q.body) as { alert: { type: string } }).alert.type).sort()
    expect(typesOf(ofOther)).toEqual([])
    expect(typesOf(critical)).toEqual(['action', 'exceeded'])
    expect(typesOf(exceededOnly)).toEqual(['exceeded'])
    expect(typesOf(disabled)).toEqual([])
  })

  it('writes alerts to the log channel', async () => {
    const lines: { level: string; fields: { alert?: { type: string } } }[] = []
    const capture = (level: string) => (fields: object) => lines.push({ level, fields: fields as { alert?: { type: string } } })
    t.engine.alerts.useLog({ info: capture('info'), warn: capture('warn'), error: capture('error') })
    const channel = await t.engine.createChannel({ name: 'log', kind: 'log' })
    channelIds.push(channel.id)

    await crossing()
    t.engine.alerts.useLog(quiet)

    expect(lines.map((l) => [l.level, l.fields.alert?.type])).toEqual([['warn', 'warning']])
  })
})

describe('channel test', () => {
  it('sends one test alert now and logs it without an alert id', async () => {
    const { receiver, channel } = await aWebhook()

    const result = await t.engine.testChannel(channel.id)

    expect(result).toMatchObject({ ok: true, httpStatus: 200, error: null })
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}')).toMatchObject({ type: 'alert.test' })
    expect((await t.engine.listDeliveries({ channelId: channel.id, limit: 10 })).items).toMatchObject([{ alertId: null, status: 'delivered' }])
  })

  it('reports a failing receiver', async () => {
    const { channel } = await aWebhook(() => 500)

    expect(await t.engine.testChannel(channel.id)).toMatchObject({ ok: false, httpStatus: 500 })
  })
})

describe('price alerts', () => {
  it('go through the same channels, once per key', async () => {
    const { receiver } = await aWebhook()
    const input = { type: 'price_change' as const, provider: 'openai', model: 'gpt-4o', source: 'litellm', value: 2.5, limit: 5, message: 'gpt-4o input price fell from $5 to $2.50 per Mtok' }

    const first = await raisePriceAlert(t.engine, input)
    const again = await raisePriceAlert(t.engine, input)
    await t.engine.alerts.idle()

    expect(first).toMatchObject({ type: 'price_change', severity: 'info', budgetId: null, metric: 'price', value: 2.5, limit: 5 })
    expect(again).toBeNull()
    expect(receiver.requests.map((r) => (JSON.parse(r.body) as { alert: { id: string } }).alert.id)).toEqual([first?.id])
  })

  it('can be raised by publishing price.alert on the bus', async () => {
    t.engine.ctx.events.publish({ type: 'price.alert', topic: 'price_updates', budgetId: null, payload: { type: 'source_failure', source: 'openrouter', message: 'openrouter answered 503 three times', dedupKey: 'openrouter-down-1' } })
    await t.engine.alerts.idle()

    const page = await t.engine.listAlerts({ type: 'source_failure', limit: 10 })
    expect(page.items).toMatchObject([{ type: 'source_failure', severity: 'warning', message: 'openrouter answered 503 three times', details: { source: 'openrouter' } }])
  })
})

describe.each(STORE_KINDS)('a delivery left waiting by a stopped service, on %s', (store) => {
  it('goes out again when the next service starts, as the next attempt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budget-resume-'))
    const database = await aDatabase(store, dir)
    const receiver = await aReceiver((n) => (n === 0 ? 503 : 200))
    try {
      // The first service: its retry would wait a minute, and it stops before then.
      const first = await aTestEngine({ databaseUrl: database.url, startMs: BASE })
      first.engine.alerts.configureDelivery({ baseDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 2_000 })
      first.engine.alerts.useLog(quiet)
      const channel = await first.engine.createChannel({ name: 'hook', kind: 'webhook', url: receiver.url, secret: SECRET } as never)
      const { budget, policy } = await aBudgetWithPolicy(first, { period: 'daily', tokenLimit: 10_000 })
      await first.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 8_500, outputTokens: 0 }) as never)
      await receiver.received(1)
      const waiting = async () => (await first.engine.listDeliveries({ channelId: channel.id, limit: 10 } as never)).items
      for (let i = 0; i < 200 && (await waiting()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      expect((await waiting()).map((d) => d.status)).toEqual(['retrying'])
      await first.dispose()

      const second = await aTestEngine({ databaseUrl: database.url, startMs: BASE })
      try {
        second.engine.alerts.configureDelivery({ baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 })
        second.engine.alerts.useLog(quiet)
        expect(await second.engine.alerts.resumeDeliveries()).toBe(1)
        await second.engine.alerts.idle()

        expect(receiver.requests).toHaveLength(2)
        const [firstBody, secondBody] = receiver.requests.map((r) => JSON.parse(r.body) as { alert: { id: string; policyId: string } })
        expect(secondBody?.alert).toEqual(firstBody?.alert)
        expect(secondBody?.alert.policyId).toBe(policy.id)
        const log = (await second.engine.listDeliveries({ channelId: channel.id, limit: 10 } as never)).items
        expect(log.map((d) => [d.attempt, d.status]).sort()).toEqual([[1, 'retrying'], [2, 'delivered']])
        expect(await second.engine.alerts.resumeDeliveries()).toBe(0)
      } finally {
        await second.dispose()
      }
    } finally {
      await receiver.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
