/**
 * `budget prices …` as users run it: the built binary, spawned over a private data
 * directory, with the feeds served by fixture servers; against the local store and
 * against a real server.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runBudget, type Run } from '../support/cli.js'
import { aKey, aTestServer, type Json, type TestServer } from '../support/http.js'
import { aFeedSet, type FeedSet } from './support/feed-server.js'


let dir: string
let feeds: FeedSet
let env: Record<string, string>

function budget(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return runBudget(args, { cwd: dir, env: { ...env, ...extra } })
}

async function json<T = Json>(args: string[], code = 0, extra: Record<string, string> = {}): Promise<T> {
  const run = await budget([...args, '--json'], extra)
  expect(run.code, `budget ${args.join(' ')}\n${run.stderr}`).toBe(code)
  return JSON.parse(run.stdout) as T
}

beforeAll(async () => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'budget-prices-cli-'))
  feeds = await aFeedSet()
  env = { BUDGET_PRICE_SOURCES: JSON.stringify(feeds.settings) }
}, 180_000)
afterAll(async () => {
  await feeds.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('budget prices on the local store', () => {
  it('updates with progress per source on stderr and a summary table', async () => {
    const run = await budget(['prices', 'update'])

    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/litellm: ok, \d+ models/)
    expect(run.stdout).toMatch(/NEW\s+CHANGED\s+PENDING\s+FAILED/)
    expect(run.stdout).toMatch(/^\s*0\s+2\s+2\s+0\b/m)
  })

  it('lists the pending changes and approves one, recording the user', async () => {
    const { items } = await json(['prices', 'pending'])
    const o1 = items.find((c: Json) => c.model === 'o1')

    const approved = await json(['prices', 'approve', o1.id])

    expect(items).toHaveLength(2)
    expect(approved.items[0]).toMatchObject({ id: o1.id, status: 'applied', decidedBy: `cli:${userInfo().username}` })
  })

  it('rejects a change with a reason', async () => {
    const { items } = await json(['prices', 'pending'])

    const rejected = await json(['prices', 'reject', items[0].id, '--reason', 'not ours'])

    expect(rejected.items[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('not ours') })
    expect((await json(['prices', 'pending'])).items).toEqual([])
  })

  it('sets a manual price, shows it in the history, and reprices', async () => {
    const set = await json(['prices', 'set', 'acme', 'acme-7b-chat', '--input', '0.4', '--output', '1.2', '--from', '2026-01-01T00:00:00Z'])
    const history = await json(['prices', 'history', 'acme', 'acme-7b-chat'])
    const reprice = await json(['prices', 'reprice', '--since', '2026-01-01T00:00:00Z'])

    expect(set).toMatchObject({ kind: 'manual_set', source: 'manual', effectiveFrom: '2026-01-01T00:00:00.000Z' })
    expect(history.versions).toHaveLength(1)
    expect(reprice).toMatchObject({ repriced: 0 })
  })

  it('lists the sources and the current prices', async () => {
    const sources = await json(['prices', 'sources'])
    const list = await json(['prices', 'list', '--provider', 'openai', '--search', 'o1'])

    expect(sources.items.find((s: Json) => s.id === 'litellm')).toMatchObject({ lastSuccessAt: expect.any(String) })
    expect(list.items.find((p: Json) => p.model === 'o1')).toMatchObject({ inputPerMtok: 19.5, source: 'litellm' })
  })

  it('exits 2 on a bad flag and 1 on an unknown change', async () => {
    expect((await budget(['prices', 'set', 'acme', 'x', '--input', '1'])).code).toBe(2)
    expect((await budget(['prices', 'approve', 'pch_nope'])).code).toBe(1)
    expect((await budget(['prices', 'approve'])).code).toBe(2)
  })
})

describe('budget prices against a server', () => {
  let server: TestServer
  let admin: { id: string; key: string }
  beforeAll(async () => {
    server = await aTestServer({ BUDGET_PRICE_SOURCES: JSON.stringify(feeds.settings), BUDGET_PRICE_REFRESH: 'off' })
    admin = await aKey(server.call, 'admin')
  })
  afterAll(() => server.close())

  it('updates, lists pending changes and approves them all, the server recording the key', async () => {
    const remote = { BUDGET_SERVER: server.url, BUDGET_API_KEY: admin.key }

    const update = await json(['prices', 'update'], 0, remote)
    const approved = await json(['prices', 'approve', '--all'], 0, remote)

    expect(update.summary).toMatchObject({ pending: 2 })
    expect(approved.items.map((c: Json) => c.decidedBy)).toEqual([expect.stringContaining(admin.id), expect.stringContaining(admin.id)])
    expect((await json(['prices', 'pending'], 0, remote)).items).toEqual([])
  })
})
