/**
 * The examples run as a user runs them — `node examples/<name>.mjs` against a running
 * service — with the SDKs' base URLs pointed at the recorded LLM server.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BudgetClient } from '../../src/client/index.js'
import { aTestServer, type TestServer, uniqueName } from '../support/http.js'
import { cleanEnv, ensureBuilt } from '../mcp/support.js'
import { aFakeLlmServer, type LlmServer } from './llm-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

let t: TestServer
let llm: LlmServer

beforeAll(async () => {
  ensureBuilt()
  t = await aTestServer()
  llm = await aFakeLlmServer()
})

afterAll(async () => {
  await llm.close()
  await t.close()
})

function runExample(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`examples/${file}`], {
      cwd: ROOT,
      env: cleanEnv({ OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-test', OPENAI_BASE_URL: `${llm.url}/v1`, ANTHROPIC_BASE_URL: llm.url, BUDGET_SERVER: t.url, ...env }),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe.each(['openai.mjs', 'anthropic.mjs', 'ai-sdk.mjs'])('examples/%s', (file) => {
  it('runs, and what it spent is recorded in its budget', async () => {
    const budget = uniqueName('example')

    const run = await runExample(file, { BUDGET: budget })

    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const usage = await new BudgetClient({ baseUrl: t.url }).listUsage({ budgetId: budget })
    expect(usage.items).toHaveLength(1)
    expect(usage.items[0]?.unpriced).toBe(false)
  })
})
