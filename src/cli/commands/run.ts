/**
 * `budget run`: a fleet of Claude Code instances with per-command token budgets (seed
 * 004). Parses flags into a plan — every mistake is exit 2 before anything starts — runs
 * it (orchestrator/), prints the report, and exits 0 ok, 1 an instance failed, 3 blocked.
 */
import { type Command, Option } from 'commander'
import type { RunFlags } from '../../orchestrator/plan.js'
import type { Cli } from '../context.js'
import { integer } from '../flags.js'

export function registerRun(program: Command, cli: Cli): void {
  program
    .command('run')
    .description('Run Claude Code instances in parallel with per-command token budgets')
    .option('--config <file>', 'fleet file (.json, .yaml): instances {name, prompt | command, cwd, model, args, maxTurns} and optional budgets')
    .option('--instance <spec>', 'an instance: "name=/command args", "/command args" or "name=free prompt" (repeatable)', repeatable)
    .option('--max-parallel <n>', 'instances running at once (default: all)', integer)
    .option('--claude-bin <path>', 'the Claude Code executable (default: claude on PATH)')
    .option('--model <model>', 'model for instances that name none (claude --model)')
    .option('--max-turns <n>', 'turn limit for instances that set none (claude --max-turns)', integer)
    .option('--command-budget <command=limit>', 'token budget of a command, e.g. /analyze=50k or /review=1.5M (repeatable)', repeatable)
    .option('--overall-budget <tokens>', 'token budget of the whole run, e.g. 2M')
    .option('--cost-budget <usd>', 'cost budget of the whole run in USD, e.g. 5.00')
    .addOption(new Option('--budget-enforcement-mode <mode>', 'warn: note and go on; block: stop and do not start instances of an exhausted budget (default warn)'))
    .option('--no-budget', 'ignore every budget (flags and fleet file): no budget work at all')
    .option('--no-record', 'do not record usage in the budget store')
    .option('--kill-grace <seconds>', 'after SIGTERM, wait this long before SIGKILL (default 5)')
    .option('--timeout <seconds>', 'stop an instance that runs longer than this (state timed_out)')
    .option('--status-interval <seconds>', 'when stderr is not a terminal, print status lines this often (default 10; 0: never)')
    .addHelpText(
      'after',
      `
Each instance runs: claude -p <prompt> --output-format stream-json --verbose
  [--model M] [--max-turns N] [its args]
An instance's command is the first word of its slash command (/analyze src → /analyze),
or its name for a free prompt; --command-budget limits all instances of that command.
Tokens count input + output + cache read + cache write, as budget policies do. While an
instance runs its figures come from the stream; its final result line replaces them.
Usage is recorded with component claude-code, task type = the command, context = the
session id (local store, or --server).

Exit codes: 0 all completed, 1 an instance failed or timed out, 2 usage error (nothing
started), 3 a budget blocked an instance (stopped, or not started).

Examples:
  $ budget run --instance api="/analyze src/api" --instance web="/analyze web" \\
      --command-budget /analyze=200k --budget-enforcement-mode block
  $ budget run --config fleet.yaml --max-parallel 3 --cost-budget 5 --json > run.json`,
    )
    .action(
      cli.action(async ({ out, service }, flags: RunFlags) => {
        const [{ buildPlan }, { runFleet }, { renderReport }] = await Promise.all([
          import('../../orchestrator/plan.js'),
          import('../../orchestrator/run-fleet.js'),
          import('../../orchestrator/report.js'),
        ])
        const plan = buildPlan(flags, { cwd: process.cwd(), path: process.env.PATH })
        const report = await runFleet(plan, { service: await service(), status: process.stderr, handleSignals: true })
        out.result(report, (r) => renderReport(r, out.color))
        cli.exitCode = report.exitCode
      }),
    )
}

/** Like collect, without splitting on commas: a prompt may contain them. */
const repeatable = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]
