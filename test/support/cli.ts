/**
 * Running the real `budget` binary in tests: build dist when it is older than src, then
 * spawn bin/budget.js with a clean environment (none of the caller's BUDGET_* or RHETOR_*
 * settings, no colour) over a test's own directory.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'budget.js')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** Builds dist when it is older than src; `npm test` has built it already. */
export function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js')
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(ROOT, 'src'))) return
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' })
  } catch (error) {
    // tsc still emits on type errors elsewhere in src; only a missing binary stops the suite.
    if (!existsSync(main)) throw error
  }
}

/** The environment without the caller's BUDGET_* and RHETOR_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BUDGET_') && !key.startsWith('RHETOR_') && key !== 'FORCE_COLOR'))
  return { ...env, NO_COLOR: '1', ...extra }
}

/** Runs `budget …args` in `cwd` with its data under `cwd/data`, and waits for it to exit. */
export function runBudget(args: string[], options: { cwd: string; env?: Record<string, string>; stdin?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv({ BUDGET_DATA_DIR: join(options.cwd, 'data'), ...options.env }) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin)
  })
}
