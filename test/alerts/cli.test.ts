/**
 * `budget alerts …` and `budget watch` as users run them: the real built binary, spawned
 * over a private data directory (embedded store) or against a real server.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aTestServer, aUsageBody, type Json, type TestServer } from '../support/http.js'
import { aReceiver, type Receiver } from './receiver.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'budget.js')
const MODEL = ['--provider', 'anthropic', '--model', 'claude-sonnet-4-20250514']

function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js')
  const newest = Math.max(...readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs))
  if (existsSync(main) && statSync(main).mtimeMs >= newest) return
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' })
  } catch (error) {
    // tsc still emits on type errors elsewhere in src; only a missing binary stops the suite.
    if (!existsSync(main)) throw error
  }
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

let dir: string
const receivers: Receiver[] = []

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BUDGET_') && key !== 'FORCE_COLOR'))
  return { ...env, NO_COLOR: '1', BUDGET_DATA_DIR: join(dir, 'data'), ...extra }
}

/** Runs `budget …args`; `whileRunning` is called until the process exits, every 50 ms. */
function budget(args: string[], whileRunning?: () => Promise<unknown>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: cleanEnv({}) })
    let stdout = ''
    let stderr = ''
    let running = true
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      running = false
      resolve({ code, stdout, stderr })
    })
    if (whileRunning) {
      void (async () => {
        while (running) {
          await whileRunning()
          await new Promise((r) => setTimeout(r, 50))
        }
      })()
    }
  })
}

async function json<T = Json>(args: string[], code = 0): Promise<T> {
  const run = await budget([...args, '--json'])
  expect(run.code, `budget ${args.join(' ')}\n${run.stderr}`).toBe(code)
  return JSON.parse(run.stdout) as T
}

beforeAll(() => {
  ensureBuilt()
}, 180_000)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'budget-alerts-cli-'))
})

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close()
  rmSync(dir, { recursive: true, force: true })
})

async function aBudgetNearItsLimit() {
  await json(['budgets', 'create', 'research'])
  await json(['policies', 'add', '--budget', 'research', '--type', 'hard_limit', '--period', 'rolling', '--window-seconds', '86400', '--tokens', '10000'])
}

describe('budget alerts on the embedded store', () => {
  it('lists the alerts a record raised, and acknowledges one', async () => {
    await aBudgetNearItsLimit()
    await json(['record', '--budget', 'research', ...MODEL, '--input-tokens', '9000', '--output-tokens', '0'])

    const listed = await json(['alerts', 'list'])
    const acked = await json(['alerts', 'ack', listed.items[0].id, '--by', 'ada'])
    const open = await json(['alerts', 'list', '--open'])
    const human = await budget(['alerts', 'list'])

    expect(listed.items).toMatchObject([{ type: 'warning', severity: 'warning', value: 9_000, limit: 10_000 }])
    expect(acked).toMatchObject({ acknowledgedBy: 'ada' })
    expect(open.items).toEqual([])
    expect(human.stdout).toMatch(/^RAISED\s+ID\s+TYPE\s+SEVERITY/)
    expect(human.stdout).toContain('ada')
  })

  it('delivers to a webhook before the command exits', async () => {
    const receiver = await aReceiver()
    receivers.push(receiver)
    await aBudgetNearItsLimit()
    const channel = await json(['alerts', 'channels', 'add', 'ops', '--kind', 'webhook', '--url', receiver.url, '--budget', 'research'])

    await json(['record', '--budget', 'research', ...MODEL, '--input-tokens', '10000', '--output-tokens', '0'])

    expect(channel.secret).toMatch(/^whsec_/)
    expect(receiver.requests.map((r) => (JSON.parse(r.body) as Json).alert.type)).toEqual(['warning', 'action', 'exceeded'])
  })

  it('manages channels and tests them, exiting 1 when a test fails', async () => {
    const receiver = await aReceiver((n) => (n === 0 ? 200 : 500))
    receivers.push(receiver)
    const channel = await json(['alerts', 'channels', 'add', 'team', '--kind', 'slack', '--url', receiver.url, '--types', 'exceeded,forecast'])

    const ok = await json(['alerts', 'channels', 'test', channel.id])
    const failed = await json(['alerts', 'channels', 'test', channel.id], 1)
    const updated = await json(['alerts', 'channels', 'update', channel.id, '--disable', '--types', 'all'])
    const deliveries = await json(['alerts', 'channels', 'deliveries', channel.id])
    await json(['alerts', 'channels', 'remove', channel.id])
    const listed = await json(['alerts', 'channels', 'list'])

    expect(channel).toMatchObject({ kind: 'slack', types: ['exceeded', 'forecast'], secret: null })
    expect(ok).toMatchObject({ ok: true, httpStatus: 200 })
    expect(failed).toMatchObject({ ok: false, httpStatus: 500 })
    expect(updated).toMatchObject({ enabled: false, types: [] })
    expect(deliveries.items.map((d: Json) => d.status)).toEqual(['failed', 'delivered'])
    expect(listed.items.map((c: Json) => c.kind)).toEqual(['ws'])
  })

  it('exits 2 on a channel that lacks what its kind needs', async () => {
    const run = await budget(['alerts', 'channels', 'add', 'broken', '--kind', 'webhook', '--json'])

    expect(run.code).toBe(2)
    expect(JSON.parse(run.stdout).error.code).toBe('VALIDATION_FAILED')
    expect(run.stderr).toContain('--url')
  })
})

describe('budget watch', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await aTestServer()
  })

  afterEach(async () => {
    await server.close()
  })

  it('streams events as JSON lines until --count events have arrived', async () => {
    const { budget: watched } = await aBudgetWithPolicy(server.call)
    const post = () => server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: watched.id }) })

    const run = await budget(['--server', server.url, 'watch', '--topics', 'usage', '--budget', watched.name, '--count', '2', '--json'], post)

    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Json)
    expect(lines).toHaveLength(2)
    expect(lines.map((l) => [l.type, l.topic, l.payload.budgetId])).toEqual([
      ['usage.recorded', 'usage', watched.id],
      ['usage.recorded', 'usage', watched.id],
    ])
  })

  it('prints one line per event for people', async () => {
    const { budget: watched } = await aBudgetWithPolicy(server.call)
    const post = () => server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: watched.id }) })

    const run = await budget(['--server', server.url, 'watch', '--topics', 'usage', '--count', '1'], post)

    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d usage\.recorded\s+bud_…[0-9a-f]{8}\s+anthropic\/claude-sonnet-4-20250514\s+1,500 tokens\s+\$/)
  })

  it('exits 1 when the server refuses the subscription', async () => {
    const run = await budget(['--server', server.url, 'watch', '--budget', 'no-such-budget', '--json'])

    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).error.code).toBe('NOT_FOUND')
  })

  it('exits 2 on an unknown topic', async () => {
    const run = await budget(['--server', server.url, 'watch', '--topics', 'gossip'])

    expect(run.code).toBe(2)
  })
})
