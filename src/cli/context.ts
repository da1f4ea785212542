/**
 * What every command action is handed: the global options, the output, and the service —
 * opened on first use, once per process, and closed by main.ts when the command is done
 * so that the process exits promptly. A command reports "blocked" or "keep running"
 * through here rather than exiting itself.
 */
import type { Command } from 'commander'
import type { BudgetService } from '../client/service.js'
import { Output } from './output.js'
import { type GlobalOptions, openSession, type Session } from './service.js'

export interface ActionContext {
  cmd: Command
  globals: GlobalOptions
  out: Output
  service(): Promise<BudgetService>
  session(): Promise<Session>
}

export const EXIT = { ok: 0, error: 1, usage: 2, blocked: 3 } as const

export class Cli {
  /** The exit code once the command has finished without throwing. */
  exitCode: number = EXIT.ok
  /** Set by `serve`: the process lives on until a signal ends it. */
  keepAlive = false
  private opened: Promise<Session> | null = null

  /** Wraps a command action: commander's (...args, options, command) become (context, ...args, options). */
  action<A extends unknown[]>(run: (ctx: ActionContext, ...args: A) => Promise<void>): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command
      await run(this.contextOf(cmd), ...(args.slice(0, -1) as A))
    }
  }

  contextOf(cmd: Command): ActionContext {
    const globals = cmd.optsWithGlobals<GlobalOptions>()
    return {
      cmd,
      globals,
      out: new Output({ json: globals.json === true, wide: globals.wide === true }),
      session: () => (this.opened ??= openSession(globals)),
      service: async () => (await (this.opened ??= openSession(globals))).service,
    }
  }

  /** Closes the store or client if a command opened one. */
  async close(): Promise<void> {
    const opened = this.opened
    this.opened = null
    // A session that failed to open has nothing to close; its error was already reported.
    if (opened) await opened.then((session) => session.close(), () => undefined)
  }
}
