/**
 * One `claude` child process: started in its own process group (so that stopping it also
 * stops the tools it launched), its stdout and stderr handed over chunk by chunk, and
 * stopped politely — SIGTERM to the group, then SIGKILL once the grace period has passed
 * if it is still alive.
 *
 * `done` settles once, when the process has exited and its output has been read (or
 * shortly after exit, if a grandchild keeps the pipes open), or when it could not start.
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface ProcessEnd {
  code: number | null
  signal: NodeJS.Signals | null
  /** Set when the process could not be started (ENOENT, EACCES, …). */
  error: string | null
}

export interface ProcessOptions {
  bin: string
  args: string[]
  cwd: string
  onStdout(chunk: Buffer): void
  onStderr(chunk: Buffer): void
}

/** After exit, how long to wait for the pipes to close before giving up on them. */
const PIPE_DRAIN_MS = 2000

export class InstanceProcess {
  readonly child: ChildProcess
  readonly done: Promise<ProcessEnd>
  /** The last signal sent by stop(). */
  stopSignal: 'SIGTERM' | 'SIGKILL' | null = null
  #killTimer: NodeJS.Timeout | null = null
  #exited = false

  constructor(options: ProcessOptions) {
    this.child = spawn(options.bin, options.args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.child.stdout?.on('data', options.onStdout)
    this.child.stderr?.on('data', options.onStderr)
    this.done = new Promise((resolve) => {
      let settled = false
      const finish = (end: ProcessEnd) => {
        if (settled) return
        settled = true
        this.#exited = true
        if (this.#killTimer !== null) clearTimeout(this.#killTimer)
        resolve(end)
      }
      this.child.once('error', (error) => finish({ code: null, signal: null, error: error.message }))
      this.child.once('close', (code, signal) => finish({ code, signal, error: null }))
      this.child.once('exit', (code, signal) => {
        this.#exited = true
        setTimeout(() => {
          this.child.stdout?.destroy()
          this.child.stderr?.destroy()
          finish({ code, signal, error: null })
        }, PIPE_DRAIN_MS).unref()
      })
    })
  }

  get pid(): number | null {
    return this.child.pid ?? null
  }

  /** SIGTERM now, SIGKILL after `graceMs` unless it has exited by then. */
  stop(graceMs: number): void {
    if (this.#exited || this.stopSignal !== null) return
    if (graceMs <= 0) {
      this.#signal('SIGKILL')
      return
    }
    this.#signal('SIGTERM')
    this.#killTimer = setTimeout(() => {
      if (!this.#exited) this.#signal('SIGKILL')
    }, graceMs)
  }

  /** Kills the whole group at once (used when the runner itself must exit). */
  kill(): void {
    if (!this.#exited) this.#signal('SIGKILL')
  }

  #signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.stopSignal = signal
    const pid = this.child.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      // The group is gone (or was never made): signal the child itself.
      try {
        this.child.kill(signal)
      } catch {
        // already exited
      }
    }
  }
}
