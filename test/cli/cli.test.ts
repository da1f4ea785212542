/**
 * The `budget` CLI as users run it: the real built binary (bin/budget.js → dist/cli),
 * spawned with a private data directory, against the embedded store and against a real
 * server. Builds dist first when it is older than src.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, ensureBuilt, runBudget, type Run } from '../support/cli.js'
import { aTestServer, type Json, type TestServer } from '../support/http.js'

const MODEL = ['--provider', 'anthropic', '--model', 'claude-sonnet-4-20250514']

let dir: string

/** Runs `budget …args` over the test's data directory and waits for it to exit. */
function budget(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return runBudget(args, { cwd: dir, env, ...(stdin !== undefined && { stdin }) })
}

/** Runs a command with --json, expects exit `code` and returns its stdout parsed. */
async function json<T = Json>(args: string[], code = 0, env: Record<string, string> = {}): Promise<T> {
  const run = await budget([...args, '--json'], env)
  expect(run.code, `budget ${args.join(' ')}\n${run.stderr}`).toBe(code)
  return JSON.parse(run.stdout) as T
}

beforeAll(() => {
  ensureBuilt()
}, 120_000)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'budget-cli-'))
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** The flow every mode must support: budget, hard limit, check, record, summary. */
async function checkRecordSummarize(global: string[]) {
  const created = await json([...global, 'budgets', 'create', 'research', '--owner', 'ada'])
  await json([...global, 'policies', 'add', '--budget', 'research', '--type', 'hard_limit', '--period', 'daily', '--tokens', '10000'])

  const decision = await json([...global, 'check', '--budget', 'research', ...MODEL, '--input-tokens', '1000', '--max-output-tokens', '500'])
  const recorded = await json([...global, 'record', '--reservation', decision.reservation.id, ...MODEL, '--input-tokens', '800', '--output-tokens', '100'])
  const summary = await json([...global, 'usage', 'summary', '--group-by', 'provider,model'])
  const shown = await json([...global, 'budgets', 'show', 'research'])

  expect(decision).toMatchObject({ allowed: true, action: 'allow', reservation: { tokensReserved: 1_500 } })
  expect(recorded).toMatchObject({ created: true, record: { budgetId: created.id, inputTokens: 800, outputTokens: 100, unpriced: false } })
  expect(summary.totals).toMatchObject({ requests: 1, inputTokens: 800, outputTokens: 100, totalTokens: 900 })
  expect(summary.groups).toEqual([{ key: { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }, totals: expect.objectContaining({ requests: 1 }) }])
  expect(shown.summary.policies[0]).toMatchObject({ tokensUsed: 900, tokensReserved: 0, status: 'ok' })
}

describe('budget on the embedded store', () => {
  it('creates a budget, checks within a hard limit, records and summarizes', async () => {
    await checkRecordSummarize([])
  })

  it('exits 3 and prints the decision when a check would pass a hard limit', async () => {
    await json(['budgets', 'create', 'tight'])
    await json(['policies', 'add', '--budget', 'tight', '--type', 'hard_limit', '--period', 'daily', '--tokens', '1000'])

    const decision = await json(['check', '--budget', 'tight', ...MODEL, '--input-tokens', '1000', '--max-output-tokens', '500'], 3)
    const human = await budget(['check', '--budget', 'tight', ...MODEL, '--input-tokens', '1000', '--max-output-tokens', '500'])

    expect(decision).toMatchObject({ allowed: false, action: 'block', reservation: null })
    expect(human.code).toBe(3)
    expect(human.stdout).toContain('BLOCKED')
  })

  it('prints tables for people without --json', async () => {
    await budget(['budgets', 'create', 'people', '--tag', 'a,b'])

    const list = await budget(['budgets', 'list'])

    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^ID\s+NAME\s+OWNER\s+TAGS/)
    expect(list.stdout).toMatch(/bud_…[0-9a-f]{8}\s+people\s+-\s+a,b/)
  })

  it('records a JSON Lines file in batches, the flags filling in what records lack', async () => {
    await json(['budgets', 'create', 'batch'])
    const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: `rec-${i}`, provider: 'openai', model: 'gpt-4o', inputTokens: 100, outputTokens: 10 }))
    writeFileSync(join(dir, 'usage.jsonl'), `${lines.join('\n')}\n`)

    const first = await json(['record', '--file', 'usage.jsonl', '--budget', 'batch', '--batch-size', '10'])
    const again = await json(['record', '--file', 'usage.jsonl', '--budget', 'batch'])
    const summary = await json(['usage', 'summary', '--budget', 'batch'])

    expect(first).toMatchObject({ accepted: 25, duplicates: 0 })
    expect(first.ids).toHaveLength(25)
    expect(again).toMatchObject({ accepted: 0, duplicates: 25 })
    expect(summary.totals).toMatchObject({ requests: 25, inputTokens: 2_500 })
  })

  it('records a JSON array from stdin', async () => {
    const run = await budget(['record', '--file', '-', '--json'], {}, JSON.stringify([{ provider: 'openai', model: 'gpt-4o', inputTokens: 1, outputTokens: 1 }]))

    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ accepted: 1 })
  })

  it('rejects a file with an invalid record before sending any (exit 2, naming the line and field)', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"provider":"openai","model":"gpt-4o","inputTokens":1,"outputTokens":1}\n{"provider":"openai","model":"gpt-4o","inputTokens":-1,"outputTokens":1}\n')

    const run = await budget(['record', '--file', 'bad.jsonl'])
    const summary = await json(['usage', 'summary'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('bad.jsonl:2')
    expect(run.stderr).toContain('inputTokens')
    expect(summary.totals.requests).toBe(0)
  })

  it('prints JSON and only JSON on stdout for every command with --json', { timeout: 120_000 }, async () => {
    const outputs: unknown[] = []
    const run = async (...args: string[]) => {
      const value = await json(args)
      outputs.push(value)
      return value
    }
    writeFileSync(join(dir, 'one.json'), JSON.stringify({ records: [{ provider: 'openai', model: 'gpt-4o', inputTokens: 1, outputTokens: 1 }] }))

    await run('status')
    const budgetCreated = await run('budgets', 'create', 'everything', '--description', 'all commands')
    await run('budgets', 'list')
    await run('budgets', 'show', 'everything')
    await run('budgets', 'update', 'everything', '--owner', 'grace')
    const policy = await run('policies', 'add', '--budget', 'everything', '--type', 'soft_limit', '--period', 'rolling', '--window-seconds', '3600', '--cost', '5', '--provider', 'openai')
    await run('policies', 'list', '--budget', 'everything')
    await run('policies', 'show', policy.id)
    const decision = await run('check', '--budget', 'everything', '--provider', 'openai', '--model', 'gpt-4o', '--input-tokens', '10', '--max-output-tokens', '10', '--priority', '8', '--ttl', '60')
    await run('record', '--budget', 'everything', '--provider', 'openai', '--model', 'gpt-4o', '--input-tokens', '10', '--output-tokens', '5', '--metadata', '{"run":1}')
    await run('record', '--file', 'one.json')
    const page = await run('usage', 'list', '--limit', '1')
    await run('usage', 'list', '--cursor', page.nextCursor)
    await run('usage', 'summary', '--group-by', 'budgetId,model')
    await run('calc-cost', 'openai', 'gpt-4o', '1000', '100')
    const key = await run('keys', 'create', 'ops', '--role', 'admin')
    await run('keys', 'list')
    await run('keys', 'revoke', key.id)
    await run('policies', 'remove', policy.id)
    await run('budgets', 'delete', budgetCreated.id)

    expect(decision).toMatchObject({ allowed: true })
    expect(key.key).toMatch(/^tbk_/)
    expect(outputs).toHaveLength(20)
  })

  it('prints the error envelope on stdout with --json when a command fails', async () => {
    const error = await json(['budgets', 'show', 'missing'], 1)

    expect(error).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), details: { kind: 'budget', id: 'missing' } } })
  })
})

describe('budget exit codes and errors', () => {
  it('exits 2 on an unknown flag', async () => {
    const run = await budget(['budgets', 'list', '--no-such-flag'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--no-such-flag')
    expect(run.stdout).toBe('')
  })

  it('exits 2 on a flag that is not a number', async () => {
    const run = await budget(['check', ...MODEL, '--input-tokens', 'many', '--max-output-tokens', '1'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--input-tokens')
  })

  it('exits 2 naming BUDGET_PORT when it is not a port', async () => {
    const run = await budget(['budgets', 'list'], { BUDGET_PORT: 'abc' })

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('BUDGET_PORT')
  })

  it('exits 2 naming BUDGET_PORT when serve is given a bad port', async () => {
    const run = await budget(['serve'], { BUDGET_PORT: 'abc' })

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('BUDGET_PORT')
  })

  it('exits 2 with the flag at fault when the input is invalid', async () => {
    await json(['budgets', 'create', 'limits'])

    const run = await budget(['policies', 'add', '--budget', 'limits', '--type', 'hard_limit', '--period', 'daily'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--tokens')
    expect(run.stderr).toContain('VALIDATION_FAILED')
  })

  it('exits 1 with the code on stderr, and the stack only with --debug', async () => {
    const plain = await budget(['budgets', 'show', 'missing'])
    const debug = await budget(['budgets', 'show', 'missing', '--debug'])

    expect(plain.code).toBe(1)
    expect(plain.stderr).toMatch(/^error: budget missing does not exist \(NOT_FOUND\)\n$/)
    expect(debug.code).toBe(1)
    expect(debug.stderr).toContain('    at ')
  })

  it('shows help with examples for the program and for each command, exit 0', async () => {
    const runs = await Promise.all([[], ['budgets'], ['budgets', 'create'], ['policies', 'add'], ['check'], ['record'], ['usage'], ['calc-cost'], ['keys'], ['serve'], ['status']].map((args) => budget([...args, '--help'])))

    for (const run of runs) {
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('Example')
    }
  })

  it('exits 2 and shows help when a command group is given no command', async () => {
    const run = await budget(['policies'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Usage: budget policies')
  })
})

describe('budget serve', () => {
  it('prints its URL, serves until SIGTERM, then exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: dir, env: cleanEnv({ BUDGET_DATA_DIR: join(dir, 'data'), BUDGET_LOG_LEVEL: 'silent' }) })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      const { url } = await new Promise<{ url: string }>((resolve, reject) => {
        let text = ''
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk
          if (text.trimEnd().endsWith('}')) resolve(JSON.parse(text) as { url: string })
        })
        child.on('close', () => reject(new Error(`serve exited before printing its URL: ${text}`)))
      })

      const health = await fetch(`${url}/health`)
      child.kill('SIGTERM')

      expect(health.status).toBe(200)
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})

describe('budget --server', () => {
  let server: TestServer

  beforeAll(async () => {
    server = await aTestServer()
  })

  afterAll(async () => {
    await server.close()
  })

  it('runs the same flow against a server', async () => {
    await checkRecordSummarize(['--server', server.url])

    const local = await json(['budgets', 'list'])
    expect(local.items).toEqual([])
  })

  it('reports the server health as status', async () => {
    const health = await json(['status'], 0, { BUDGET_SERVER: server.url })

    expect(health).toMatchObject({ status: 'ok', store: { ok: true } })
  })

  it('exits 3 when the server blocks a check', async () => {
    await json(['--server', server.url, 'budgets', 'create', 'remote-tight'])
    await json(['--server', server.url, 'policies', 'add', '--budget', 'remote-tight', '--type', 'hard_limit', '--period', 'hourly', '--tokens', '100'])

    const decision = await json(['--server', server.url, 'check', '--budget', 'remote-tight', ...MODEL, '--input-tokens', '1000', '--max-output-tokens', '1'], 3)

    expect(decision).toMatchObject({ allowed: false, action: 'block' })
  })

  it('passes the API error code through, exit 1', async () => {
    const run = await budget(['--server', server.url, 'budgets', 'show', 'nowhere'])

    expect(run.code).toBe(1)
    expect(run.stderr).toContain('NOT_FOUND')
  })

  it('sends the API key from BUDGET_API_KEY once the server has keys', async () => {
    const keyed = await aTestServer()
    try {
      const admin = await json(['--server', keyed.url, 'keys', 'create', 'admin', '--role', 'admin'])

      const without = await budget(['--server', keyed.url, 'budgets', 'list'])
      const withKey = await json(['--server', keyed.url, 'budgets', 'list'], 0, { BUDGET_API_KEY: admin.key })

      expect(without.code).toBe(1)
      expect(without.stderr).toContain('UNAUTHENTICATED')
      expect(withKey.items).toEqual([])
    } finally {
      await keyed.close()
    }
  })

  it('exits 1 with UNAVAILABLE when no server listens', async () => {
    const run = await budget(['--server', 'http://127.0.0.1:9', 'budgets', 'list'])

    expect(run.code).toBe(1)
    expect(run.stderr).toContain('UNAVAILABLE')
  })
})
