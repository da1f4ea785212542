/**
 * `budget calc-cost`: prices token counts with the catalog, recording nothing.
 */
import type { Command } from 'commander'
import { type CostResult, CostRequest } from '../../domain/price.js'
import type { Cli } from '../context.js'
import { integer, validate } from '../flags.js'
import { type Output, usd } from '../output.js'

interface CostFlags {
  cacheRead?: number
  cacheWrite?: number
  cacheWrite1h?: number
  at?: string
}

const FLAGS: Record<string, string> = {
  provider: '<provider>',
  model: '<model>',
  inputTokens: '<input-tokens>',
  outputTokens: '[output-tokens]',
  cacheReadTokens: '--cache-read',
  cacheWriteTokens: '--cache-write',
  cacheWrite1hTokens: '--cache-write-1h',
  timestamp: '--at',
}

export function registerCalcCost(program: Command, cli: Cli): void {
  program
    .command('calc-cost')
    .description('Price token counts of one call with the price catalog (nothing is recorded)')
    .argument('<provider>', 'provider, e.g. anthropic')
    .argument('<model>', 'model, e.g. claude-sonnet-4')
    .argument('<input-tokens>', 'input tokens not read from or written to a prompt cache', integer)
    .argument('[output-tokens]', 'output tokens (default 0)', integer)
    .option('--cache-read <n>', 'input tokens read from a prompt cache', integer)
    .option('--cache-write <n>', 'input tokens written to a prompt cache', integer)
    .option('--cache-write-1h <n>', 'part of the cache writes with a 1-hour TTL', integer)
    .option('--at <iso>', 'use the prices in effect at this instant (default now)')
    .addHelpText(
      'after',
      `
A model with no known price prints "unpriced" (never $0).

Examples:
  $ budget calc-cost anthropic claude-sonnet-4 12000 800
  $ budget calc-cost anthropic claude-sonnet-4 2000 800 --cache-read 50000 --cache-write 4000
  $ budget calc-cost openai gpt-4o 1000000 0 --at 2024-06-01T00:00:00Z --json`,
    )
    .action(
      cli.action(async ({ out, service }, provider: string, model: string, inputTokens: number, outputTokens: number | undefined, flags: CostFlags) => {
        const request = validate(
          CostRequest,
          {
            provider,
            model,
            inputTokens,
            outputTokens: outputTokens ?? 0,
            cacheReadTokens: flags.cacheRead,
            cacheWriteTokens: flags.cacheWrite,
            cacheWrite1hTokens: flags.cacheWrite1h,
            timestamp: flags.at,
          },
          FLAGS,
          'cost request',
        )
        const result = await (await service()).calculateCost(request)
        out.result(result, (r) => renderCost(out, r))
      }),
    )
}

function renderCost(out: Output, r: CostResult): string {
  const price = r.price
  return out.fields([
    ['model', `${r.provider}/${r.model}${r.resolvedModel && r.resolvedModel !== r.model ? ` (priced as ${r.resolvedModel})` : ''}`],
    ['cost', r.unpriced ? 'unpriced: no known price for this model' : usd(r.costUsd)],
    ['input', price ? `${usd(price.inputPerMtok)} / Mtok` : undefined],
    ['output', price ? `${usd(price.outputPerMtok)} / Mtok` : undefined],
    ['cache read', price?.cacheReadPerMtok === undefined ? undefined : `${usd(price.cacheReadPerMtok)} / Mtok`],
    ['cache write', price?.cacheWritePerMtok === undefined ? undefined : `${usd(price.cacheWritePerMtok)} / Mtok`],
    ['tiers', price?.tiers?.map((t) => `above ${t.aboveInputTokens.toLocaleString('en-US')}: ${usd(t.inputPerMtok)} in, ${usd(t.outputPerMtok)} out`).join('; ')],
    ['price version', r.priceVersion],
    ['source', price ? `${price.source}${price.verified ? ' (verified)' : ''}` : undefined],
  ])
}
