/**
 * `budget mcp` with its stdin piped: every request read before stdin ends is answered,
 * then the process exits 0.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, ensureBuilt } from './support.js'

const lines = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'check_budget', arguments: { provider: 'openai', model: 'gpt-4o', inputTokens: 10, maxOutputTokens: 10 } } },
  { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'calculate_cost', arguments: { provider: 'openai', model: 'gpt-4o', inputTokens: 1_000_000, outputTokens: 0 } } },
]

beforeAll(() => {
  ensureBuilt()
})

describe('budget mcp on a pipe', () => {
  it('answers every request it read, then exits 0 when stdin ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budget-mcp-pipe-'))
    const child = spawn(process.execPath, [BIN, 'mcp'], { cwd: dir, env: cleanEnv({ BUDGET_DATA_DIR: join(dir, 'data') }) })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))

    child.stdin.end(lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))

    rmSync(dir, { recursive: true, force: true })
    // Requests run concurrently: answers come in any order.
    const answers = new Map(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: number; result: { structuredContent?: { allowed?: boolean; costUsd?: number } } })
        .map((a) => [a.id, a.result]),
    )
    expect(code).toBe(0)
    expect([...answers.keys()].sort()).toEqual([1, 2, 3])
    expect(answers.get(2)?.structuredContent?.allowed).toBe(true)
    expect(answers.get(3)?.structuredContent?.costUsd).toBe(2.5)
  })
})
