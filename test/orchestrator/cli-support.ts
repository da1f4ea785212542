/**
 * Running the real `budget` binary (bin/budget.js → dist/) for the run and import tests:
 * builds dist first when it is older than src, and spawns with a private data directory
 * and none of the caller's BUDGET_* settings.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'budget.js')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js')
  let newest = 0
  for (const entry of readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  if (existsSync(main) && statSync(main).mtimeMs >= newest) return
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' })
  } catch (error) {
    // tsc emits despite type errors elsewhere in src; only a missing binary stops the suite.
    if (!existsSync(main)) throw error
  }
}

export function budgetCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BUDGET_') && key !== 'FORCE_COLOR'))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...clean, NO_COLOR: '1', BUDGET_DATA_DIR: join(cwd, 'data'), ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
