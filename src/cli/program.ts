/**
 * The commander program: global options, help with examples, and one registrar per
 * command group (commands/*.ts). Usage errors throw (exitOverride) so main.ts decides the
 * exit code.
 */
import { Command } from 'commander'
import { VERSION } from '../version.js'
import { registerAlerts } from './commands/alerts.js'
import { registerBudgets } from './commands/budgets.js'
import { registerCalcCost } from './commands/calc-cost.js'
import { registerCheck } from './commands/check.js'
import { registerImport } from './commands/import.js'
import { registerInit } from './commands/init.js'
import { registerKeys } from './commands/keys.js'
import { registerPrices } from './commands/prices.js'
import { registerMcp } from './commands/mcp.js'
import { registerMigrate } from './commands/migrate.js'
import { registerMigrateStore } from './commands/migrate-store.js'
import { registerPolicies } from './commands/policies.js'
import { registerRecord } from './commands/record.js'
import { registerReport } from './commands/report.js'
import { registerRun } from './commands/run.js'
import { registerServe } from './commands/serve.js'
import { registerStatus } from './commands/status.js'
import { registerUsage } from './commands/usage.js'
import { registerWatch } from './commands/watch.js'
import type { Cli } from './context.js'

/** A command as help lists it: its name, `<command>` for a group, its arguments while they stay short. */
function subcommandTerm(cmd: Command): string {
  if (cmd.commands.length > 0) return `${cmd.name()} <command>`
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ')
  const term = args === '' ? cmd.name() : `${cmd.name()} ${args}`
  return term.length <= 28 ? term : `${cmd.name()} <args…>`
}

export function buildProgram(cli: Cli): Command {
  const program = new Command('budget')
    .description('Tekton Budget: budgets, reservations and exact prices for LLM calls.\nWorks on the local store by default, or on a server with --server URL.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('--json', 'print the result as JSON only (stdout is JSON; notes go to stderr)')
    .option('--server <url>', 'use the Tekton Budget server at this URL instead of the local store (env BUDGET_SERVER)')
    .option('--api-key <key>', 'API key sent to --server (env BUDGET_API_KEY)')
    .option('--data-dir <dir>', 'directory of the local store (env BUDGET_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'database of the local store, sqlite:<path> or postgres://… (env BUDGET_DATABASE_URL)')
    .option('--timezone <zone>', 'IANA time zone of calendar windows (env BUDGET_TIMEZONE, default UTC)')
    .option('--wide', 'show whole ids in tables instead of shortened ones')
    .option('--debug', 'print stack traces with errors')
    .configureHelp({ showGlobalOptions: true, subcommandTerm })
    .showSuggestionAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 error, 2 usage (bad flag or setting, invalid input), 3 blocked by a budget.

Examples:
  $ budget serve --port 8013
  $ budget budgets create research --owner ada --tag team-a
  $ budget policies add --budget research --type hard_limit --period daily --tokens 1000000
  $ budget check --budget research --provider anthropic --model claude-sonnet-4 \\
      --input-tokens 1200 --max-output-tokens 800 || echo "blocked"
  $ budget record --budget research --provider anthropic --model claude-sonnet-4 \\
      --input-tokens 1100 --output-tokens 650
  $ budget usage summary --group-by provider,model --json
  $ budget --server http://budget.internal:8013 --api-key $KEY status

Run "budget <command> --help" for the options of each command.`,
    )

  registerServe(program, cli)
  registerStatus(program, cli)
  registerBudgets(program, cli)
  registerPolicies(program, cli)
  registerCheck(program, cli)
  registerRecord(program, cli)
  registerUsage(program, cli)
  registerReport(program, cli)
  registerCalcCost(program, cli)
  registerKeys(program, cli)
  registerAlerts(program, cli)
  registerWatch(program, cli)
  registerPrices(program, cli)
  registerMcp(program, cli)
  registerRun(program, cli)
  registerImport(program, cli)
  registerMigrate(program, cli)
  registerMigrateStore(program, cli)
  registerInit(program, cli)
  return program
}
