/**
 * `budget check`: reserves budget for one LLM call before it is made and prints the
 * decision. A blocked call is a decision, not an error: it prints like any other and exits 3.
 */
import { type Command, Option } from 'commander'
import { type CheckDecision, CheckRequest } from '../../domain/check.js'
import { Tier } from '../../domain/common.js'
import { type Cli, EXIT } from '../context.js'
import { integer, validate } from '../flags.js'
import { count, instant, type Output, percent, usd } from '../output.js'

interface CheckFlags {
  budget?: string
  provider?: string
  model?: string
  inputTokens?: number
  maxOutputTokens?: number
  context?: string
  component?: string
  taskType?: string
  tier?: string
  priority?: number
  ttl?: number
}

const FLAGS: Record<string, string> = { budgetId: '--budget', contextId: '--context', ttlSeconds: '--ttl' }

export function registerCheck(program: Command, cli: Cli): void {
  program
    .command('check')
    .description('Reserve budget for one LLM call and say whether it may go ahead')
    .option('--budget <budget>', 'budget id or name (default: every budget whose policies match)')
    .requiredOption('--provider <provider>', 'provider of the call, e.g. anthropic')
    .requiredOption('--model <model>', 'model of the call, e.g. claude-sonnet-4')
    .requiredOption('--input-tokens <n>', 'input tokens of the prompt', integer)
    .requiredOption('--max-output-tokens <n>', 'most output tokens the call may produce', integer)
    .option('--context <id>', 'session or conversation id (per_session policies)')
    .option('--component <component>', 'component making the call')
    .option('--task-type <type>', 'kind of task')
    .addOption(new Option('--tier <tier>', 'model tier').choices(Tier.options))
    .addOption(new Option('--priority <n>', 'priority: 1 low, 5 normal, 8 high, 10 critical').argParser(integer))
    .option('--ttl <seconds>', 'how long the reservation holds if no usage is recorded (default 600)', integer)
    .addHelpText(
      'after',
      `
Prints allowed/blocked, the action (allow, warn, downgrade, block), the reasons, each
matching policy's headroom and the reservation. Record the real usage afterwards with
"budget record --reservation <id> …"; an unused reservation expires on its own.

Exit code 3 when the call is blocked, so scripts can write:
  $ budget check --budget research --provider openai --model gpt-4o \\
      --input-tokens 2000 --max-output-tokens 1000 && ./run-the-call.sh

Examples:
  $ budget check --provider anthropic --model claude-sonnet-4 --input-tokens 1200 --max-output-tokens 800
  $ budget check --budget research --provider openai --model gpt-4o --input-tokens 5000 \\
      --max-output-tokens 2000 --context session-42 --ttl 120 --json`,
    )
    .action(
      cli.action(async ({ out, service }, flags: CheckFlags) => {
        const request = validate(
          CheckRequest,
          {
            budgetId: flags.budget,
            contextId: flags.context,
            provider: flags.provider,
            model: flags.model,
            component: flags.component,
            taskType: flags.taskType,
            tier: flags.tier,
            inputTokens: flags.inputTokens,
            maxOutputTokens: flags.maxOutputTokens,
            priority: flags.priority,
            ttlSeconds: flags.ttl,
          },
          FLAGS,
          'check',
        )
        const decision = await (await service()).check(request)
        out.result(decision, (d) => renderDecision(out, d))
        if (!decision.allowed) cli.exitCode = EXIT.blocked
      }),
    )
}

function renderDecision(out: Output, d: CheckDecision): string {
  const c = out.color
  const verdict = d.allowed ? c.green(c.bold('ALLOWED')) : c.red(c.bold('BLOCKED'))
  const lines = [`${verdict}  action ${out.status(d.action)}  estimated cost ${usd(d.estimatedCostUsd)}`]
  if (d.reservation) {
    const r = d.reservation
    lines.push(`reservation ${r.id}: ${count(r.tokensReserved)} tokens, ${usd(r.costReservedUsd)}, expires ${instant(r.expiresAt)}`)
  }
  for (const reason of d.reasons) lines.push(`  - ${reason}`)
  if (d.suggestedModel) {
    const s = d.suggestedModel
    lines.push(`suggested: ${s.provider}/${s.model} (${usd(s.estimatedCostUsd)})`)
  }
  if (d.policies.length > 0) {
    lines.push(
      '',
      out.table(
        ['POLICY', 'TYPE', 'PERIOD', 'TOKENS LEFT', 'USD LEFT', 'UTILIZATION'],
        d.policies.map((p) => [out.id(p.policyId), p.type, p.period, count(p.remainingTokens), p.remainingUsd === undefined ? '-' : usd(p.remainingUsd), percent(p.utilization)]),
        [3, 4, 5],
      ),
    )
  } else {
    lines.push('no policy applies to this call')
  }
  return lines.join('\n')
}
