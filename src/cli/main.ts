/**
 * The `budget` executable (bin/budget.js imports this): builds the program, runs one
 * command, closes what it opened and exits with a code that means something —
 * 0 ok, 1 error, 2 usage, 3 blocked by a budget. `serve` keeps the process alive until
 * SIGTERM/SIGINT.
 */
import { Cli } from './context.js'
import { reportFailure } from './failure.js'
import { Output } from './output.js'
import { buildProgram } from './program.js'

async function main(argv: string[]): Promise<{ code: number; keepAlive: boolean }> {
  const cli = new Cli()
  const program = buildProgram(cli)
  let code: number
  try {
    await program.parseAsync(argv)
    code = cli.exitCode
  } catch (error) {
    const globals = program.opts<{ json?: boolean; debug?: boolean; wide?: boolean }>()
    const json = globals.json === true || argv.includes('--json')
    code = reportFailure(error, new Output({ json, wide: false }), globals.debug === true || argv.includes('--debug'))
  }
  try {
    await cli.close()
  } catch (error) {
    code = Math.max(code, reportFailure(error, new Output({ json: false, wide: false }), argv.includes('--debug')))
  }
  return { code, keepAlive: cli.keepAlive && code === 0 }
}

// A reader that stops early (`budget usage list | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const { code, keepAlive } = await main(process.argv)
if (!keepAlive) {
  // Exit now rather than wait for idle sockets or timers, once stdout has taken everything.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
  process.exit(code)
}
