/**
 * Figures for the dashboard (not part of `npm test`):
 *
 * - initial page weight: the JS and CSS index.html loads, gzip-compressed as the server
 *   sends them (chunks loaded later, such as the chart library, are listed apart);
 * - time to first render of the overview with a large history behind it: a data directory
 *   seeded with N usage records (spread over 90 days, 12 models, 4 budgets, 200 sessions),
 *   the real service on it, Chromium opening `/`; measured from navigation start to first
 *   contentful paint and to the moment every overview section shows its data.
 *
 *   npm run build && npx vite-node test/web/measure-first-render.ts -- --records 1000000 [--dir DIR]
 *
 * With --dir an existing seeded directory is reused (seeding is the slow part).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { startServer } from '../../src/api/server.js'
import { loadConfig } from '../../src/config.js'
import { openEngine } from '../../src/engine/engine.js'

const CHROMIUM = '/usr/bin/chromium'

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, dir: { type: 'string' }, runs: { type: 'string', default: '5' } } })
const RECORDS = Number(values.records)
const RUNS = Number(values.runs)
const WEB = fileURLToPath(new URL('../../dist/web', import.meta.url))

function pageWeight(): void {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8')
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  const gz = (file: string) => statSync(join(WEB, `${file}.gz`)).size
  const raw = (file: string) => statSync(join(WEB, file)).size
  const total = initial.reduce((sum, f) => sum + gz(f), 0)
  console.log('initial page weight (index.html loads these):')
  for (const f of initial) console.log(`  ${f}: ${(raw(f) / 1024).toFixed(1)} KiB, ${(gz(f) / 1024).toFixed(1)} KiB gzip`)
  console.log(`  total JS+CSS: ${(total / 1024).toFixed(1)} KiB gzip (+ index.html ${(gz('index.html') / 1024).toFixed(1)} KiB gzip)`)
  const later = readdirSync(join(WEB, 'assets')).map((f) => `assets/${f}`).filter((f) => /\.(js|css)$/.test(f) && !initial.includes(f))
  for (const f of later) console.log(`  loaded later (with the first chart): ${f}: ${(gz(f) / 1024).toFixed(1)} KiB gzip`)
}

const MODELS = [
  ['anthropic', 'claude-sonnet-4-20250514'],
  ['anthropic', 'claude-3-5-haiku-20241022'],
  ['anthropic', 'claude-opus-4-20250514'],
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4.1'],
  ['openai', 'o3-mini'],
  ['google', 'gemini-2.5-flash'],
  ['google', 'gemini-2.5-pro'],
  ['mistral', 'mistral-large'],
  ['mistral', 'mistral-small'],
  ['local', 'llama-in-house'],
] as const

async function seed(dir: string): Promise<void> {
  const { engine, close } = await openEngine({ databaseUrl: `sqlite:${join(dir, 'budget.db')}` })
  const budgets: string[] = []
  for (const name of ['research', 'support', 'batch-jobs', 'agents']) {
    const budget = await engine.createBudget({ name })
    await engine.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 500_000_000 })
    await engine.createPolicy({ budgetId: budget.id, type: 'soft_limit', period: 'monthly', costLimitUsd: 100_000 })
    budgets.push(budget.id)
  }
  const now = Date.now()
  const spanMs = 90 * 86_400_000
  const started = Date.now()
  const BATCH = 10_000
  for (let done = 0; done < RECORDS; done += BATCH) {
    const records = Array.from({ length: Math.min(BATCH, RECORDS - done) }, (_, j) => {
      const i = done + j
      const [provider, model] = MODELS[i % MODELS.length]!
      return {
        budgetId: budgets[i % budgets.length],
        provider,
        model,
        component: `component-${i % 7}`,
        taskType: `task-${i % 3}`,
        contextId: `session-${i % 200}`,
        inputTokens: 500 + (i % 1500),
        outputTokens: 100 + (i % 400),
        timestamp: new Date(now - 60_000 - Math.floor(((RECORDS - i) / RECORDS) * spanMs)).toISOString(),
      }
    })
    await engine.recordBatch(records)
    if ((done / BATCH) % 20 === 0) process.stderr.write(`seeded ${done + records.length} records (${Math.round((done + records.length) / ((Date.now() - started) / 1000))}/s)\n`)
  }
  await close()
  console.log(`seeded ${RECORDS} records in ${((Date.now() - started) / 1000).toFixed(0)} s into ${dir}`)
}

async function firstRender(dir: string): Promise<void> {
  const server = await startServer(loadConfig({ env: { BUDGET_DATA_DIR: dir, BUDGET_PORT: '0', BUDGET_LOG_LEVEL: 'silent', BUDGET_PRICE_REFRESH: 'off' }, cwd: dir }))
  const profile = mkdtempSync(join(tmpdir(), 'budget-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1366, height: 900 },
  })
  const fcp: number[] = []
  const ready: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const page = await context.newPage()
    // A fresh tab without cache each run: the page is downloaded and parsed every time.
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    await page.goto(server.url)
    await page.waitForFunction(
      `document.querySelector('[data-testid="spend-today"]') && document.querySelector('.budget-card') && document.querySelector('[data-testid="recent-usage"]') && !document.querySelector('.state.loading')`,
      undefined,
      { timeout: 120_000, polling: 'raf' },
    )
    const timing = await page.evaluate<{ ready: number; fcp: number }>(`({ ready: performance.now(), fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN })`)
    fcp.push(timing.fcp)
    ready.push(timing.ready)
    await page.close()
  }
  await context.close()
  rmSync(profile, { recursive: true, force: true })
  await server.close()
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  console.log(`overview over ${RECORDS.toLocaleString('en-US')} records, ${RUNS} runs, cache disabled:`)
  console.log(`  first contentful paint: median ${median(fcp).toFixed(0)} ms (runs: ${fcp.map((x) => x.toFixed(0)).join(', ')})`)
  console.log(`  every section rendered with data: median ${median(ready).toFixed(0)} ms (runs: ${ready.map((x) => x.toFixed(0)).join(', ')})`)
}

pageWeight()
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'budget-large-'))
mkdirSync(dir, { recursive: true })
if (!existsSync(join(dir, 'budget.db'))) await seed(dir)
await firstRender(dir)
