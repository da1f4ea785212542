/**
 * `budget policies add|list|show|remove`: the rules of a budget — a limit in tokens
 * and/or USD over a period, for the requests its scope matches.
 */
import { type Command, Option } from 'commander'
import { Tier } from '../../domain/common.js'
import { Period } from '../../domain/periods.js'
import { type Policy, PolicyInput, PolicyType } from '../../domain/policy.js'
import type { Cli } from '../context.js'
import { decimal, integer, validate } from '../flags.js'
import { count, instant, type Output, percent, usd } from '../output.js'

interface AddFlags {
  budget?: string
  type?: string
  period?: string
  tokens?: number
  cost?: number
  windowSeconds?: number
  warning?: number
  action?: number
  provider?: string
  model?: string
  component?: string
  taskType?: string
  tier?: string
  disabled?: boolean
}

/** The flag behind each PolicyInput field, for validation messages. */
const FLAGS: Record<string, string> = {
  budgetId: '--budget',
  tokenLimit: '--tokens',
  costLimitUsd: '--cost',
  warningThreshold: '--warning',
  actionThreshold: '--action',
  'scope.taskType': '--task-type',
}

export function registerPolicies(program: Command, cli: Cli): void {
  const policies = program
    .command('policies')
    .description("Add, list, show and remove a budget's policies")
    .addHelpText(
      'after',
      `
A policy limits tokens and/or USD per period (hourly, daily, weekly, monthly,
per_session, per_task, rolling) for the requests its scope matches:
  ignore      counts, never acts
  warn        allows, with a warning past the limit
  soft_limit  allows, asking for a cheaper model past the limit (action "downgrade")
  hard_limit  blocks what would pass the limit (budget check exits 3)

Examples:
  $ budget policies add --budget research --type hard_limit --period daily --tokens 1000000
  $ budget policies add --budget research --type soft_limit --period monthly --cost 250 \\
      --provider anthropic --warning 0.7
  $ budget policies add --budget agents --type hard_limit --period rolling \\
      --window-seconds 3600 --cost 5
  $ budget policies list --budget research
  $ budget policies remove pol_0190f3…`,
    )

  policies
    .command('add')
    .description('Add a policy to a budget')
    .requiredOption('--budget <budget>', 'budget id or name')
    .addOption(new Option('--type <type>', 'what happens past the limit').choices(PolicyType.options).makeOptionMandatory())
    .addOption(new Option('--period <period>', 'the window usage counts in').choices(Period.options).makeOptionMandatory())
    .option('--tokens <n>', 'token limit per window (input + output + cache tokens)', integer)
    .option('--cost <usd>', 'cost limit per window, in USD', decimal)
    .option('--window-seconds <n>', 'length of a rolling window (period rolling only)', integer)
    .option('--warning <ratio>', 'utilization that raises a warning, 0..1 (default 0.8)', decimal)
    .option('--action <ratio>', 'utilization that calls for action, 0..1 (default 0.95)', decimal)
    .option('--provider <provider>', 'only requests to this provider')
    .option('--model <model>', 'only requests for this model')
    .option('--component <component>', 'only requests from this component')
    .option('--task-type <type>', 'only requests of this task type')
    .addOption(new Option('--tier <tier>', 'only requests of this model tier').choices(Tier.options))
    .option('--disabled', 'create it switched off')
    .addHelpText('after', '\nExample:\n  $ budget policies add --budget research --type hard_limit --period daily --tokens 1000000 --model gpt-4o')
    .action(
      cli.action(async ({ out, service }, flags: AddFlags) => {
        const scope = { provider: flags.provider, model: flags.model, component: flags.component, taskType: flags.taskType, tier: flags.tier }
        const input = validate(
          PolicyInput,
          {
            budgetId: flags.budget,
            type: flags.type,
            period: flags.period,
            tokenLimit: flags.tokens,
            costLimitUsd: flags.cost,
            windowSeconds: flags.windowSeconds,
            warningThreshold: flags.warning,
            actionThreshold: flags.action,
            scope: Object.values(scope).some((v) => v !== undefined) ? scope : undefined,
            enabled: flags.disabled ? false : undefined,
          },
          FLAGS,
          'policy',
        )
        const policy = await (await service()).createPolicy(input)
        out.result(policy, (p) => `added policy ${p.id}\n${policyFields(out, p)}`)
      }),
    )

  policies
    .command('list')
    .description('List policies, of one budget or of all')
    .option('--budget <budget>', 'budget id or name')
    .addHelpText('after', '\nExample:\n  $ budget policies list --budget research')
    .action(
      cli.action(async ({ out, service }, flags: { budget?: string }) => {
        const items = await (await service()).listPolicies(flags.budget)
        out.result({ items }, ({ items }) => policyTable(out, items))
      }),
    )

  policies
    .command('show')
    .description('Show one policy')
    .argument('<id>', 'policy id')
    .action(
      cli.action(async ({ out, service }, id: string) => {
        const policy = await (await service()).getPolicy(id)
        out.result(policy, (p) => policyFields(out, p))
      }),
    )

  policies
    .command('remove')
    .description('Remove a policy')
    .argument('<id>', 'policy id')
    .addHelpText('after', '\nExample:\n  $ budget policies remove pol_0190f3a1c2d4e5f60718293a4b5c6d7e')
    .action(
      cli.action(async ({ out, service }, id: string) => {
        await (await service()).deletePolicy(id)
        out.result({ deleted: true, id }, () => `removed policy ${id}`)
      }),
    )
}

const scopeText = (p: Policy) =>
  Object.entries(p.scope)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'all requests'

const limitText = (p: Policy) =>
  [p.tokenLimit === undefined ? null : `${count(p.tokenLimit)} tokens`, p.costLimitUsd === undefined ? null : usd(p.costLimitUsd)].filter(Boolean).join(' + ') || '-'

const periodText = (p: Policy) => (p.period === 'rolling' ? `rolling ${p.windowSeconds ?? '?'}s` : p.period)

function policyTable(out: Output, items: Policy[]): string {
  if (items.length === 0) return 'no policies'
  return out.table(
    ['ID', 'BUDGET', 'TYPE', 'PERIOD', 'LIMIT', 'WARN/ACTION', 'SCOPE', 'ENABLED'],
    items.map((p) => [
      out.id(p.id),
      out.id(p.budgetId),
      p.type,
      periodText(p),
      limitText(p),
      `${percent(p.warningThreshold)}/${percent(p.actionThreshold)}`,
      scopeText(p),
      p.enabled ? 'yes' : 'no',
    ]),
  )
}

function policyFields(out: Output, p: Policy): string {
  return out.fields([
    ['id', p.id],
    ['budget', p.budgetId],
    ['type', p.type],
    ['period', periodText(p)],
    ['limit', limitText(p)],
    ['warning at', percent(p.warningThreshold)],
    ['action at', percent(p.actionThreshold)],
    ['scope', scopeText(p)],
    ['enabled', p.enabled ? 'yes' : 'no'],
    ['created', instant(p.createdAt)],
  ])
}
