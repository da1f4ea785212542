/**
 * `budget init`: readies the store (creating and migrating it) and, with
 * `--tekton-defaults`, creates the original Tekton budget component's defaults — per-tier
 * token limits for each period and the default cost limits — in one budget. Running it
 * again creates nothing new.
 */
import type { Command } from 'commander'
import type { Budget } from '../../domain/budget.js'
import { PolicyType } from '../../domain/policy.js'
import type { Policy } from '../../domain/policy.js'
import { ensureBudget, ensurePolicies } from '../../compat/budget-setup.js'
import { TEKTON_BUDGET, tektonDefaultPolicies } from '../../compat/defaults.js'
import type { Cli } from '../context.js'
import { validate } from '../flags.js'
import { count, type Output, usd } from '../output.js'

interface InitFlags {
  tektonDefaults?: boolean
  budget: string
  type: string
}

interface InitResult {
  store: string
  budget: (Budget & { created: boolean }) | null
  policies: { created: Policy[]; existing: number }
}

export function registerInit(program: Command, cli: Cli): void {
  program
    .command('init')
    .description("Ready the store; with --tekton-defaults, create the original Tekton budget's default limits")
    .option('--tekton-defaults', 'per-tier token limits (hourly/daily/weekly/monthly/per session) and $0.50/h, $5/day, $25/week, $100/month')
    .option('--budget <name>', 'budget to hold the defaults', TEKTON_BUDGET)
    .option('--type <type>', 'policy type of the defaults: ignore, warn, soft_limit or hard_limit', 'warn')
    .addHelpText(
      'after',
      `
Token limits per tier (hourly / daily / weekly / monthly / per session):
  local_lightweight   1M / 10M / 50M / 200M / 8K
  local_midweight     500K / 5M / 25M / 100M / 16K
  remote_heavyweight  100K / 1M / 5M / 20M / 32K
Cost limits, across tiers: $0.50 an hour, $5 a day, $25 a week, $100 a month.

Examples:
  $ budget init
  $ budget init --tekton-defaults
  $ budget init --tekton-defaults --budget team-a --type hard_limit --json`,
    )
    .action(
      cli.action(async ({ out, session }, flags: InitFlags) => {
        const type = validate(PolicyType, flags.type, { '': '--type' }, 'policy type')
        const opened = await session()
        const store = opened.mode === 'server' ? (opened.config.server ?? 'server') : opened.config.databaseUrl
        if (flags.tektonDefaults !== true) {
          out.result<InitResult>({ store, budget: null, policies: { created: [], existing: 0 } }, (r) => `store ready: ${r.store}`)
          return
        }
        const { budget, created } = await ensureBudget(opened.service, flags.budget, 'Default limits of the Tekton budget component')
        const policies = await ensurePolicies(opened.service, budget.id, tektonDefaultPolicies(type))
        out.result<InitResult>({ store, budget: { ...budget, created }, policies }, (r) => render(out, r))
      }),
    )
}

function render(out: Output, r: InitResult): string {
  const lines = [
    `store ready: ${r.store}`,
    `budget ${r.budget?.name} ${r.budget?.created ? 'created' : 'exists'}: ${count(r.policies.created.length)} default policies created, ${count(r.policies.existing)} already there`,
  ]
  if (r.policies.created.length > 0) {
    lines.push(
      '',
      out.table(
        ['POLICY', 'TYPE', 'PERIOD', 'TIER', 'TOKENS', 'COST'],
        r.policies.created.map((p) => [out.id(p.id), p.type, p.period, p.scope.tier ?? 'all', count(p.tokenLimit), p.costLimitUsd === undefined ? '-' : usd(p.costLimitUsd)]),
        [4, 5],
      ),
    )
  }
  return lines.join('\n')
}
