/**
 * One fleet run, wired up: prices and records through the given BudgetService, live status
 * on the given stream, Ctrl-C (SIGINT) and SIGTERM stop the instances instead of orphaning
 * them (a second one kills them at once), and the report at the end.
 */
import type { BudgetService } from '../client/service.js'
import { PROVIDER } from '../importers/claude-code/to-usage.js'
import { Pricer } from '../importers/pricer.js'
import type { RunPlan } from './plan.js'
import { buildReport, type RunReport } from './report.js'
import { FleetRunner } from './runner.js'
import { type StatusStream, StatusView } from './status-view.js'
import { UsageSink } from './usage-sink.js'

export interface FleetOptions {
  service: Pick<BudgetService, 'recordBatch' | 'calculateCost'>
  status: StatusStream
  /** Stop the fleet on SIGINT/SIGTERM (the CLI does; tests need not). */
  handleSignals?: boolean
}

export async function runFleet(plan: RunPlan, options: FleetOptions): Promise<RunReport> {
  const view = new StatusView(options.status, plan.statusIntervalMs)
  const sink = plan.record
    ? new UsageSink(options.service, {
        onFirstError: (error) => view.note(`usage is not being recorded: ${error instanceof Error ? error.message : String(error)}`, 'warn'),
      })
    : null
  const runner = new FleetRunner(plan, {
    sink,
    pricer: new Pricer(options.service, PROVIDER),
    note: (text, level) => view.note(text, level),
    changed: () => view.changed(),
  })
  const onSignal = () => {
    view.note('stopping the fleet (again to kill at once)', 'warn')
    runner.cancel()
  }
  if (options.handleSignals) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const cpuBefore = process.cpuUsage()
  try {
    view.start(runner)
    await runner.run()
  } finally {
    view.stop()
    if (options.handleSignals) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
  const recorded = sink === null ? null : await sink.close()
  return buildReport(runner, recorded, process.cpuUsage(cpuBefore))
}
