/**
 * Which files an import reads: every `*.jsonl` under the given folders, at any depth — the
 * session files `<project>/<session>.jsonl` and, since Claude Code 2.1, the subagent files
 * `<project>/<session>/subagents/agent-<id>.jsonl`, whose usage is real spend that the
 * parent file only mirrors in `progress` lines. Sorted by path, so runs are repeatable.
 */
import { readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { FileStat } from './state.js'

export interface LogFile extends FileStat {
  path: string
}

/** Claude Code's folders of project logs: `~/.config/claude/projects` (newer) and `~/.claude/projects`. */
export function defaultProjectDirs(home = homedir()): string[] {
  return [join(home, '.config', 'claude', 'projects'), join(home, '.claude', 'projects')]
}

/** The `*.jsonl` files under `dirs`; a folder that does not exist is skipped, and listed in `missing`. */
export async function findLogFiles(dirs: readonly string[]): Promise<{ files: LogFile[]; missing: string[] }> {
  const files = new Map<string, LogFile>()
  const missing: string[] = []
  for (const dir of dirs.map((d) => resolve(d))) {
    let names: string[]
    try {
      names = await readdir(dir, { recursive: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        missing.push(dir)
        continue
      }
      throw error
    }
    for (const name of names) {
      if (!name.endsWith('.jsonl')) continue
      const path = join(dir, name)
      const info = await stat(path).catch(() => null)
      if (info?.isFile()) files.set(path, { path, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino })
    }
  }
  return { files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), missing }
}
