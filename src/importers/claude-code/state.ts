/**
 * What an import remembers between runs, per file: where to resume (a byte offset) and the
 * size, mtime and inode it had then. A file that is unchanged and fully read is skipped; one
 * that grew is read from its offset; one that shrank, or was replaced, is read again from
 * the start (record ids dedupe what was already imported).
 *
 * One state file per destination (the local database or a server), so importing the same
 * logs into two stores imports them into both. Written atomically (temp file + rename).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'

const FileState = z.object({
  offset: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  ino: z.number(),
})
export type FileState = z.infer<typeof FileState>

const StateFile = z.object({ version: z.literal(1), destination: z.string(), files: z.record(z.string(), FileState) })

export interface FileStat {
  size: number
  mtimeMs: number
  ino: number
}

/** Where reading should start, or null when there is nothing new. */
export function resumeOffset(previous: FileState | undefined, stat: FileStat): number | null {
  if (previous === undefined || previous.ino !== stat.ino || stat.size < previous.size || stat.size < previous.offset) return 0
  if (stat.size === previous.size) {
    // Same size, newer mtime: rewritten in place, and nothing tells which bytes changed.
    if (stat.mtimeMs !== previous.mtimeMs) return 0
    return previous.offset === stat.size ? null : previous.offset
  }
  return previous.offset
}

export class ImportState {
  private constructor(
    readonly path: string,
    private readonly destination: string,
    private readonly files: Record<string, FileState>,
  ) {}

  /** The state of imports from `source` (e.g. claude-code) into `destination`, under `dir`. */
  static open(dir: string, source: string, destination: string): ImportState {
    const digest = createHash('sha256').update(destination).digest('hex').slice(0, 12)
    const path = join(dir, 'import-state', `${source}-${digest}.json`)
    let files: Record<string, FileState> = {}
    try {
      const parsed = StateFile.safeParse(JSON.parse(readFileSync(path, 'utf8')))
      // A damaged or foreign state file only costs a full re-read: ids dedupe.
      if (parsed.success && parsed.data.destination === destination) files = parsed.data.files
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error
    }
    return new ImportState(path, destination, files)
  }

  get(file: string): FileState | undefined {
    return this.files[file]
  }

  set(file: string, state: FileState): void {
    this.files[file] = state
  }

  save(): void {
    mkdirSync(dirname(this.path), { recursive: true })
    const temp = `${this.path}.${process.pid}.tmp`
    writeFileSync(temp, `${JSON.stringify({ version: 1, destination: this.destination, files: this.files })}\n`)
    renameSync(temp, this.path)
  }
}
