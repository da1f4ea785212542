/**
 * MCP test harness: a real MCP client from the SDK, connected over stdio to the built
 * `budget mcp` binary (a private data directory) or over Streamable HTTP to a running
 * service's /mcp, plus readers for tool results.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { BudgetService } from '../../src/client/service.js'
import { type OpenEngine, openEngine } from '../../src/engine/engine.js'
import type { Json } from '../support/http.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'budget.js')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

const LOCK = join(tmpdir(), `tekton-budget-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`)
const LOCK_WAIT_MS = 180_000

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Builds dist/ when it is older than src/ (the binary runs the built JavaScript). Test
 * files run in parallel workers: one builds while the others wait for its lock.
 */
export function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js')
  const fresh = () => existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(ROOT, 'src'))
  const deadline = Date.now() + LOCK_WAIT_MS
  while (!fresh()) {
    try {
      mkdirSync(LOCK)
    } catch {
      if (Date.now() > deadline) rmSync(LOCK, { recursive: true, force: true })
      sleepSync(200)
      continue
    }
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'ignore' })
    } catch (error) {
      // tsc still emits on type errors elsewhere in src; only a missing binary stops the suite.
      if (!existsSync(main)) throw error
    } finally {
      rmSync(LOCK, { recursive: true, force: true })
    }
    return
  }
}

/** The environment without the caller's BUDGET_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env = Object.entries(process.env).filter((entry): entry is [string, string] => !entry[0].startsWith('BUDGET_') && entry[1] !== undefined)
  return { ...Object.fromEntries(env), NO_COLOR: '1', ...extra }
}

export interface McpConnection {
  client: Client
  /** The service behind the MCP server, to arrange budgets and read back what tools did. */
  service: BudgetService
  close(): Promise<void>
}

const newClient = () => new Client({ name: 'tekton-budget-tests', version: '1.0.0' })

/**
 * Spawns `node bin/budget.js mcp …args` on a new data directory and connects to it. The
 * returned service is an engine of this process on the same SQLite file.
 */
export async function overStdio(args: string[] = [], env: Record<string, string> = {}): Promise<McpConnection & { dir: string; stderr: () => string }> {
  ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'budget-mcp-'))
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...args],
    env: cleanEnv({ BUDGET_DATA_DIR: join(dir, 'data'), ...env }),
    cwd: dir,
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const client = newClient()
  await client.connect(transport)
  let engine: OpenEngine | null = null
  if (!args.includes('--server')) engine = await openEngine({ databaseUrl: `sqlite:${join(dir, 'data', 'budget.db')}` })
  return {
    client,
    dir,
    stderr: () => stderr,
    service: engine?.engine as BudgetService,
    async close() {
      await client.close()
      await engine?.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Connects to a running service's /mcp, with `key` as bearer token when given. */
export async function overHttp(url: string, service: BudgetService, key?: string): Promise<McpConnection> {
  const client = newClient()
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), key === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${key}` } } })
  await client.connect(transport)
  return {
    client,
    service,
    async close() {
      await transport.terminateSession().catch(() => {})
      await client.close()
    },
  }
}

/** A successful tool result's structured content; fails the test on an error result. */
export function structured(result: Awaited<ReturnType<Client['callTool']>>): Json {
  const r = result as CallToolResult
  if (r.isError) throw new Error(`the tool failed: ${JSON.stringify(r.content)}`)
  return r.structuredContent
}

/** The `{code, message, details}` of an error result that carries the API's error envelope. */
export function errorOf(result: Awaited<ReturnType<Client['callTool']>>): { code: string; message: string; details: Json } {
  const r = result as CallToolResult
  if (!r.isError) throw new Error(`expected an error result, got ${JSON.stringify(r.structuredContent)}`)
  const [first] = r.content
  return (JSON.parse(first?.type === 'text' ? first.text : '{}') as { error: { code: string; message: string; details: Json } }).error
}

/** The text of an error result, e.g. the SDK's message for arguments that fail the input schema. */
export function errorText(result: Awaited<ReturnType<Client['callTool']>>): string {
  const r = result as CallToolResult
  if (!r.isError) throw new Error(`expected an error result, got ${JSON.stringify(r.structuredContent)}`)
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')
}

/** A resource's JSON content. */
export async function readJson(mcp: McpConnection, uri: string): Promise<Json> {
  const [content] = (await mcp.client.readResource({ uri })).contents
  if (content === undefined || !('text' in content)) throw new Error(`${uri} has no text content`)
  return JSON.parse(content.text)
}
