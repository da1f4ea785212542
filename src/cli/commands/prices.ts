/**
 * `budget prices list|history|sources|update|pending|approve|reject|set|unset|reprice`:
 * the price catalog, its sources and the approval of doubtful prices.
 *
 * Decisions are recorded as `cli:<user>` on the local store; against a server the server
 * records the API key that made them.
 */
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { BudgetError } from '../../domain/errors.js'
import { type ModelPrice, PriceQuery } from '../../domain/price.js'
import {
  ManualPriceInput,
  type PriceChange,
  type PriceFigures,
  type PriceHistory,
  type PriceSource,
  type RefreshProgress,
  type RefreshReport,
  RepriceRequest,
} from '../../domain/price-monitoring.js'
import type { Cli } from '../context.js'
import { collect, decimal, validate } from '../flags.js'
import { instant, type Output, percent, usd } from '../output.js'
import { progressBar } from '../progress.js'

const who = () => `cli:${userInfo().username}`

const perMtok = (value: number | undefined) => (value === undefined ? '-' : usd(value))
const figures = (p: PriceFigures) => `${usd(p.inputPerMtok)} in / ${usd(p.outputPerMtok)} out`

export function registerPrices(program: Command, cli: Cli): void {
  const prices = program
    .command('prices')
    .description('The price catalog: current prices, history, sources, refresh and approval of changes')
    .addHelpText(
      'after',
      `
Prices are USD per million tokens. A refresh reads every enabled source (bundled data,
LiteLLM, llm-prices.com, OpenRouter, LLMPrices.com, Pretrained.ai), verifies each model
across them by trust, applies verified changes within the threshold (default 20 %) and
leaves the others pending for "budget prices approve".

Examples:
  $ budget prices list --provider anthropic
  $ budget prices update
  $ budget prices pending
  $ budget prices approve pch_0190f3…
  $ budget prices set acme acme-7b-chat --input 0.4 --output 1.2
  $ budget prices reprice --since 2026-01-01T00:00:00Z`,
    )

  prices
    .command('list')
    .description('The price in effect now for every model')
    .option('--provider <provider>', 'only this provider')
    .option('--search <text>', 'only models whose id contains this')
    .action(
      cli.action(async ({ out, service }, flags: { provider?: string; search?: string }) => {
        const query = validate(PriceQuery, flags, {}, 'price query')
        const items = await (await service()).currentPrices(query)
        out.result({ items }, ({ items }) => priceTable(out, items))
      }),
    )

  prices
    .command('history')
    .description('Every version of a model\'s price and which was in effect when')
    .argument('<provider>', 'provider, e.g. openai')
    .argument('<model>', 'model, e.g. gpt-4o')
    .action(
      cli.action(async ({ out, service }, provider: string, model: string) => {
        const history = await (await service()).priceHistory(provider, model)
        out.result(history, (h) => historyText(out, h))
      }),
    )

  prices
    .command('sources')
    .description('Price sources: trust, last success, last error, models priced')
    .action(
      cli.action(async ({ out, service }) => {
        const items = await (await service()).priceSources()
        out.result({ items }, ({ items }) => sourceTable(out, items))
      }),
    )

  prices
    .command('update')
    .description('Refresh prices from the sources now, with progress per source and a summary')
    .option('--source <id>', 'only this source (repeatable; bundled data always takes part)', collect)
    .option('--backfill', 'also read the sources\' price history (llm-prices historical-v1)')
    .action(
      cli.action(async ({ out, service }, flags: { source?: string[]; backfill?: boolean }) => {
        const progress = (p: RefreshProgress) => {
          if (p.status === 'started') return
          const detail = p.status === 'failed' ? out.color.red(`failed: ${p.error}`) : `${p.status}${p.observations ? `, ${p.observations.toLocaleString('en-US')} models` : ''}`
          out.note(`${p.source}: ${detail}`)
        }
        const report = await (await service()).refreshPrices({ ...(flags.source && { sources: flags.source }), backfill: flags.backfill === true }, progress)
        out.result(report, (r) => refreshText(out, r))
      }),
    )

  prices
    .command('pending')
    .description('Price changes waiting for approval')
    .action(
      cli.action(async ({ out, service }) => {
        const items = await (await service()).priceChanges({ status: 'pending', limit: 1000 })
        out.result({ items }, ({ items }) => (items.length === 0 ? 'no price change is waiting for approval' : changeTable(out, items)))
      }),
    )

  prices
    .command('approve')
    .description('Approve pending changes: each applies from when it was observed, and records are repriced')
    .argument('[ids...]', 'change ids (see "budget prices pending")')
    .option('--all', 'approve every pending change')
    .action(
      cli.action(async ({ out, service }, ids: string[], flags: { all?: boolean }) => {
        const svc = await service()
        const targets = flags.all ? (await svc.priceChanges({ status: 'pending', limit: 1000 })).map((c) => c.id) : ids
        if (targets.length === 0) throw new BudgetError('VALIDATION_FAILED', 'name the changes to approve, or pass --all')
        const items: PriceChange[] = []
        for (const id of targets) items.push(await svc.approvePriceChange(id, who()))
        out.result({ items }, ({ items }) => items.map((c) => `approved ${c.id}: ${c.provider}/${c.model} at ${figures(c.price)} from ${instant(c.effectiveFrom)}`).join('\n'))
      }),
    )

  prices
    .command('reject')
    .description('Reject pending changes')
    .argument('<ids...>', 'change ids')
    .option('--reason <text>', 'why, kept with the change')
    .action(
      cli.action(async ({ out, service }, ids: string[], flags: { reason?: string }) => {
        const svc = await service()
        const items: PriceChange[] = []
        for (const id of ids) items.push(await svc.rejectPriceChange(id, who(), flags.reason))
        out.result({ items }, ({ items }) => items.map((c) => `rejected ${c.id}: ${c.provider}/${c.model}`).join('\n'))
      }),
    )

  prices
    .command('set')
    .description('Set a price by hand: it wins over every source until "budget prices unset"')
    .argument('<provider>', 'provider, e.g. acme')
    .argument('<model>', 'model, e.g. acme-7b-chat')
    .requiredOption('--input <usd>', 'USD per million input tokens', decimal)
    .requiredOption('--output <usd>', 'USD per million output tokens', decimal)
    .option('--cache-read <usd>', 'USD per million cache-read tokens', decimal)
    .option('--cache-write <usd>', 'USD per million cache-write tokens', decimal)
    .option('--cache-write-1h <usd>', 'USD per million 1-hour cache-write tokens', decimal)
    .option('--from <iso>', 'in effect from this instant (default now); records since then are repriced')
    .option('--reason <text>', 'why, kept with the change')
    .action(
      cli.action(async ({ out, service }, provider: string, model: string, flags: Record<string, string | number | undefined>) => {
        const input = validate(
          ManualPriceInput,
          {
            provider,
            model,
            inputPerMtok: flags.input,
            outputPerMtok: flags.output,
            cacheReadPerMtok: flags.cacheRead,
            cacheWritePerMtok: flags.cacheWrite,
            cacheWrite1hPerMtok: flags.cacheWrite1h,
            effectiveFrom: flags.from,
            reason: flags.reason,
          },
          { inputPerMtok: '--input', outputPerMtok: '--output', effectiveFrom: '--from', provider: '<provider>', model: '<model>' },
          'manual price',
        )
        const change = await (await service()).setManualPrice(input, who())
        out.result(change, (c) => `manual price of ${c.provider}/${c.model}: ${figures(c.price)} from ${instant(c.effectiveFrom)} (${c.appliedVersion})`)
      }),
    )

  prices
    .command('unset')
    .description('Remove a manual price: the price before it applies again')
    .argument('<provider>', 'provider')
    .argument('<model>', 'model')
    .action(
      cli.action(async ({ out, service }, provider: string, model: string) => {
        const change = await (await service()).removeManualPrice({ provider, model }, who())
        out.result(change, (c) => `manual price of ${c.provider}/${c.model} removed: ${c.reason}`)
      }),
    )

  prices
    .command('reprice')
    .description('Recompute the cost of records priced with a version later superseded for their time, and of unpriced records')
    .option('--since <iso>', 'only records at or after this instant (default: all)')
    .action(
      cli.action(async ({ out, service }, flags: { since?: string }) => {
        const request = validate(RepriceRequest, flags, { since: '--since' }, 'reprice request')
        const bar = await progressBar('repricing [{bar}] {percentage}% {value}/{total} records')
        try {
          const result = await (await service()).repriceUsage(request, (p) => bar?.update(p.done, p.total))
          bar?.stop()
          out.result(result, (r) => `${r.repriced.toLocaleString('en-US')} of ${r.scanned.toLocaleString('en-US')} records repriced (${r.newlyPriced} had no price); cost changed by ${usd(r.costDeltaUsd)}`)
        } finally {
          bar?.stop()
        }
      }),
    )
}

function priceTable(out: Output, items: ModelPrice[]): string {
  if (items.length === 0) return 'no prices match'
  return out.table(
    ['PROVIDER', 'MODEL', 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE', 'SOURCE', 'VERIFIED'],
    items.map((p) => [p.provider, p.model, usd(p.inputPerMtok), usd(p.outputPerMtok), perMtok(p.cacheReadPerMtok), perMtok(p.cacheWritePerMtok), p.source, p.verified ? 'yes' : 'no']),
    [2, 3, 4, 5],
  )
}

function historyText(out: Output, h: PriceHistory): string {
  const versions = out.table(
    ['VERSION', 'FROM', 'TO', 'INPUT', 'OUTPUT', 'SOURCE', 'VERIFIED'],
    h.versions.map((v) => [v.version, instant(v.effectiveFrom), instant(v.effectiveTo), usd(v.inputPerMtok), usd(v.outputPerMtok), v.source, v.verified ? 'yes' : 'no']),
    [3, 4],
  )
  const timeline = h.timeline.map((p) => `  ${instant(p.from)} → ${p.to === null ? 'now' : instant(p.to)}  ${p.version}`).join('\n')
  const changes = h.changes.length === 0 ? '' : `\n\nChanges:\n${changeTable(out, h.changes)}`
  return `${h.provider}/${h.model}\n\n${versions}\n\nIn effect:\n${timeline}${changes}`
}

function sourceTable(out: Output, items: PriceSource[]): string {
  return out.table(
    ['ID', 'KIND', 'TRUST', 'ENABLED', 'LAST SUCCESS', 'LAST ERROR', 'MODELS'],
    items.map((s) => [s.id, s.kind, s.trust.toFixed(2), s.enabled ? 'yes' : 'no', instant(s.lastSuccessAt), s.lastError === null ? '-' : `${instant(s.lastErrorAt)} ${s.lastError.slice(0, 60)}`, s.observations]),
    [2, 6],
  )
}

function changeTable(out: Output, items: PriceChange[]): string {
  return out.table(
    ['ID', 'MODEL', 'KIND', 'STATUS', 'PRICE', 'BEFORE', 'MOVE', 'VERIFIED', 'FROM'],
    items.map((c) => [
      // Whole ids: they are what approve and reject take.
      c.id,
      `${c.provider}/${c.model}`,
      c.kind,
      out.status(c.status),
      figures(c.price),
      c.previous === null ? '-' : figures(c.previous),
      c.changeRatio === null ? '-' : percent(c.changeRatio),
      c.verified ? 'yes' : 'no',
      instant(c.effectiveFrom),
    ]),
  )
}

function refreshText(out: Output, r: RefreshReport): string {
  const s = r.summary
  const summary = out.table(['NEW', 'CHANGED', 'PENDING', 'FAILED', 'VERIFIED', 'CONFLICTS', 'MODELS'], [[s.new, s.changed, s.pending, s.failed, s.verified, s.conflicts, s.models]], [0, 1, 2, 3, 4, 5, 6])
  const sources = out.table(
    ['SOURCE', 'STATUS', 'MODELS', 'SKIPPED', 'TIME', 'ERROR'],
    r.sources.map((x) => [x.id, x.status === 'failed' ? out.color.red(x.status) : x.status, x.observations, x.skipped, `${x.durationMs} ms`, x.error ?? '']),
    [2, 3, 4],
  )
  const pending = s.pending > 0 ? `\n\n${s.pending} change(s) wait for approval: budget prices pending` : ''
  return `${summary}\n\n${sources}${pending}${r.repriced > 0 ? `\n${r.repriced} record(s) repriced` : ''}`
}
