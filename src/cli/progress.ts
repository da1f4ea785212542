/**
 * The progress bar of long commands: on stderr, only when stderr is a terminal (a script's
 * stderr stays clean, and stdout — the result, or --json — is never touched), cleared when
 * done. cli-progress is loaded only when a bar is shown.
 */

export interface ProgressBar {
  /** Moves the bar; `payload` fills the format's other {fields}. */
  update(done: number, total: number, payload?: Record<string, string>): void
  stop(): void
}

/** A bar for `format` (cli-progress tokens: {bar} {percentage} {value} {total} and payload fields), or null when none is shown. */
export async function progressBar(format: string): Promise<ProgressBar | null> {
  if (process.stderr.isTTY !== true) return null
  const { default: progress } = await import('cli-progress')
  const bar = new progress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true }, progress.Presets.shades_classic)
  let started = false
  return {
    update(done, total, payload = {}) {
      if (!started) {
        bar.start(Math.max(total, 1), 0, payload)
        started = true
      }
      bar.setTotal(Math.max(total, 1))
      bar.update(done, payload)
    },
    stop: () => {
      if (started) bar.stop()
      started = false
    },
  }
}
