/**
 * `budget record`: what LLM calls really used — one call from flags, or many from a
 * JSON / JSON Lines file sent in batches (progress bar on stderr when it is a terminal).
 * Usage is stored even past a limit; a record id seen before is a duplicate, not an error.
 */
import { readFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import { Tier } from '../../domain/common.js'
import { BudgetError } from '../../domain/errors.js'
import { type BatchResult, MAX_BATCH, UsageInput, type UsageRecord } from '../../domain/usage.js'
import type { BudgetService } from '../../client/service.js'
import type { Cli } from '../context.js'
import { integer, jsonObject, validate } from '../flags.js'
import { count, instant, type Output, usd } from '../output.js'
import { progressBar } from '../progress.js'

interface RecordFlags {
  file?: string
  batchSize: number
  id?: string
  budget?: string
  reservation?: string
  context?: string
  provider?: string
  model?: string
  component?: string
  taskType?: string
  tier?: string
  operation?: string
  inputTokens?: number
  outputTokens?: number
  cacheReadTokens?: number
  cacheWriteTokens?: number
  cacheWrite1hTokens?: number
  reasoningTokens?: number
  timestamp?: string
  metadata?: Record<string, unknown>
}

const FLAGS: Record<string, string> = { budgetId: '--budget', reservationId: '--reservation', contextId: '--context' }

export function registerRecord(program: Command, cli: Cli): void {
  program
    .command('record')
    .description('Record what an LLM call used (one from flags, or a batch from --file)')
    .option('--file <path>', 'records to send: a JSON array, {"records": [...]}, or JSON Lines; "-" reads stdin')
    .addOption(new Option('--batch-size <n>', `records per request with --file (at most ${MAX_BATCH})`).argParser(integer).default(1000))
    .option('--id <id>', 'idempotency key: recording the same id again changes nothing')
    .option('--budget <budget>', 'budget id or name')
    .option('--reservation <id>', 'reservation from "budget check" that this usage commits')
    .option('--context <id>', 'session or conversation id')
    .option('--provider <provider>', 'provider, e.g. anthropic')
    .option('--model <model>', 'model, e.g. claude-sonnet-4')
    .option('--component <component>', 'component that made the call')
    .option('--task-type <type>', 'kind of task')
    .addOption(new Option('--tier <tier>', 'model tier').choices(Tier.options))
    .option('--operation <name>', 'operation, e.g. chat or embed')
    .option('--input-tokens <n>', 'input tokens neither read from nor written to a prompt cache', integer)
    .option('--output-tokens <n>', 'output tokens, reasoning included', integer)
    .option('--cache-read-tokens <n>', 'input tokens read from a prompt cache', integer)
    .option('--cache-write-tokens <n>', 'input tokens written to a prompt cache', integer)
    .option('--cache-write-1h-tokens <n>', 'part of the cache writes with a 1-hour TTL', integer)
    .option('--reasoning-tokens <n>', 'part of the output tokens that were reasoning', integer)
    .option('--timestamp <iso>', 'when the call happened (default now), e.g. 2025-06-01T12:00:00Z')
    .option('--metadata <json>', 'a JSON object stored with the record', jsonObject)
    .addHelpText(
      'after',
      `
With --file, the other flags are defaults for every record that lacks the field (for
example --budget). Each line of a .jsonl file is one record with the fields of
POST /api/v1/usage: provider, model, inputTokens, outputTokens, budgetId, …
Records without an id get a new one, so re-sending such a file records it twice.

Examples:
  $ budget record --budget research --provider anthropic --model claude-sonnet-4 \\
      --input-tokens 1100 --output-tokens 650 --cache-read-tokens 4000
  $ budget record --reservation res_0190f3… --provider openai --model gpt-4o \\
      --input-tokens 900 --output-tokens 300
  $ budget record --file usage.jsonl --budget research
  $ cat usage.json | budget record --file - --json`,
    )
    .action(
      cli.action(async ({ out, service }, flags: RecordFlags) => {
        const fields = fieldsOf(flags)
        if (flags.file === undefined) {
          const input = validate(UsageInput, fields, FLAGS, 'usage')
          const result = await (await service()).recordUsage(input)
          out.result(result, (r) => renderRecord(out, r))
          return
        }
        if (flags.batchSize < 1 || flags.batchSize > MAX_BATCH) {
          throw new BudgetError('VALIDATION_FAILED', `--batch-size must be between 1 and ${MAX_BATCH}, got ${flags.batchSize}`)
        }
        const records = readRecords(flags.file).map(({ value, where }) => validate(UsageInput, isObject(value) ? { ...fields, ...value } : value, 'fields', where))
        const result = await recordInBatches(await service(), records, flags.batchSize, out)
        out.result(result, (r) => `recorded ${count(r.accepted)} of ${count(records.length)} records (${count(r.duplicates)} duplicates)`)
      }),
    )
}

function fieldsOf(flags: RecordFlags): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    id: flags.id,
    budgetId: flags.budget,
    reservationId: flags.reservation,
    contextId: flags.context,
    provider: flags.provider,
    model: flags.model,
    component: flags.component,
    taskType: flags.taskType,
    tier: flags.tier,
    operation: flags.operation,
    inputTokens: flags.inputTokens,
    outputTokens: flags.outputTokens,
    cacheReadTokens: flags.cacheReadTokens,
    cacheWriteTokens: flags.cacheWriteTokens,
    cacheWrite1hTokens: flags.cacheWrite1hTokens,
    reasoningTokens: flags.reasoningTokens,
    timestamp: flags.timestamp,
    metadata: flags.metadata,
  }
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
}

/** The records of a file with where each came from (`file:line`), for error messages. */
function readRecords(path: string): { value: unknown; where: string }[] {
  const name = path === '-' ? 'stdin' : path
  let text: string
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8')
  } catch (error) {
    throw new BudgetError('VALIDATION_FAILED', `cannot read --file ${path}: ${(error as Error).message}`, { path }, { cause: error })
  }
  const whole = tryJson(text)
  if (whole.ok) {
    const value = whole.value
    const list = Array.isArray(value) ? value : isBatch(value) ? value.records : [value]
    return list.map((v, i) => ({ value: v, where: `${name} record ${i + 1}` }))
  }
  const records: { value: unknown; where: string }[] = []
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    const parsed = tryJson(line)
    if (!parsed.ok) throw new BudgetError('VALIDATION_FAILED', `${name}:${index + 1}: not JSON: ${parsed.error}`, { path, line: index + 1 })
    records.push({ value: parsed.value, where: `${name}:${index + 1}` })
  }
  if (records.length === 0) throw new BudgetError('VALIDATION_FAILED', `${name} holds no records`, { path })
  return records
}

const isBatch = (value: unknown): value is { records: unknown[] } =>
  typeof value === 'object' && value !== null && Array.isArray((value as { records?: unknown }).records)

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  }
}

async function recordInBatches(service: BudgetService, records: UsageInput[], batchSize: number, out: Output): Promise<BatchResult> {
  const total: BatchResult = { accepted: 0, duplicates: 0, ids: [] }
  const bar = await progressBar('recording [{bar}] {percentage}% {value}/{total} records')
  try {
    for (let start = 0; start < records.length; start += batchSize) {
      const chunk = records.slice(start, start + batchSize)
      let result: BatchResult
      try {
        result = await service.recordBatch(chunk)
      } catch (error) {
        bar?.stop()
        if (start > 0) out.note(`${total.accepted} records were recorded before this failure (records 1–${start}); records with ids can be sent again safely.`)
        throw error
      }
      total.accepted += result.accepted
      total.duplicates += result.duplicates
      total.ids.push(...result.ids)
      bar?.update(start + chunk.length, records.length)
    }
  } finally {
    bar?.stop()
  }
  return total
}

function renderRecord(out: Output, r: { record: UsageRecord; created: boolean }): string {
  const u = r.record
  const head = r.created ? `recorded ${u.id}` : `already recorded ${u.id} (same id: nothing changed)`
  return `${head}\n${out.fields([
    ['time', instant(u.timestamp)],
    ['budget', u.budgetId],
    ['reservation', u.reservationId],
    ['model', `${u.provider}/${u.model}`],
    ['tokens', `${count(u.inputTokens)} in, ${count(u.outputTokens)} out, ${count(u.cacheReadTokens)} cache read, ${count(u.cacheWriteTokens)} cache write`],
    ['cost', u.unpriced ? 'unpriced (no known price for this model)' : usd(u.costUsd)],
    ['price version', u.priceVersion],
  ])}`
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
