/**
 * The fleet file of `budget run --config fleet.json|yaml`: the instances to run and,
 * optionally, the run's budgets (flags win over the file). Unknown keys are errors, so a
 * misspelt `maxTurn` is caught before anything starts rather than silently ignored.
 *
 * ```yaml
 * maxParallel: 2
 * budgetEnforcementMode: block
 * commandBudgets: { /analyze: 50k, /review: 1.5M }
 * instances:
 *   - { name: api, command: /analyze src/api, cwd: ../service, model: sonnet, maxTurns: 8 }
 *   - { name: docs, prompt: "Summarise docs/ in five bullets", args: [--permission-mode, plan] }
 * ```
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { BudgetError } from '../domain/errors.js'

const Limit = z.union([z.string(), z.number()]).transform(String)

export const InstanceSpec = z
  .strictObject({
    name: z.string().trim().min(1).max(100).regex(/^[\w.:@-]+$/, 'letters, digits and . _ : @ - only').optional(),
    prompt: z.string().trim().min(1).optional().describe('Free text passed to claude -p'),
    command: z.string().trim().regex(/^\/\S/, 'a slash command, e.g. "/analyze src"').optional(),
    cwd: z.string().min(1).optional().describe('Working directory; relative to the fleet file'),
    model: z.string().trim().min(1).optional(),
    args: z.array(z.string()).default([]).describe('Extra arguments for claude'),
    maxTurns: z.number().int().positive().optional(),
  })
  .refine((i) => (i.prompt === undefined) !== (i.command === undefined), { message: 'give exactly one of prompt or command' })
export type InstanceSpec = z.infer<typeof InstanceSpec>

export const FleetFile = z.strictObject({
  instances: z.array(InstanceSpec).min(1, 'a fleet needs at least one instance'),
  maxParallel: z.number().int().positive().optional(),
  commandBudgets: z.record(z.string(), Limit).optional(),
  overallBudget: Limit.optional(),
  costBudgetUsd: Limit.optional(),
  budgetEnforcementMode: z.enum(['warn', 'block']).optional(),
})
export type FleetFile = z.infer<typeof FleetFile>

/**
 * Reads and validates a fleet file: YAML for .yaml/.yml, JSON otherwise; a bare list is a
 * list of instances.
 * @throws BudgetError VALIDATION_FAILED naming the file and each field at fault.
 */
export function loadFleetFile(path: string): FleetFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new BudgetError('VALIDATION_FAILED', `--config ${path}: ${(error as Error).message}`, { path }, { cause: error })
  }
  let raw: unknown
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)
  } catch (error) {
    throw new BudgetError('VALIDATION_FAILED', `--config ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`, { path }, { cause: error })
  }
  const parsed = FleetFile.safeParse(Array.isArray(raw) ? { instances: raw } : raw)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
    const text = issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')
    throw new BudgetError('VALIDATION_FAILED', `--config ${path}: ${text}`, { path, issues })
  }
  return parsed.data
}
