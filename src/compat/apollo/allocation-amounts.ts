/**
 * How many tokens Apollo grants an allocation that asks for no amount: a table by task type
 * and priority (low 1 / normal 5 / high 8 / critical 10). A priority between the levels
 * takes the normal amount and an unknown task type the default row's normal amount, as
 * Apollo did.
 */
import type { Priority } from '../../domain/common.js'

const LEVELS = [1, 5, 8, 10] as const

type AmountRow = Readonly<Record<(typeof LEVELS)[number], number>>

const DEFAULT_ROW: AmountRow = { 1: 1_000, 5: 2_000, 8: 4_000, 10: 8_000 }

export const DEFAULT_ALLOCATIONS: Readonly<Record<string, AmountRow>> = {
  default: DEFAULT_ROW,
  chat: { 1: 2_000, 5: 4_000, 8: 8_000, 10: 16_000 },
  coding: { 1: 4_000, 5: 8_000, 8: 16_000, 10: 32_000 },
  analysis: { 1: 4_000, 5: 8_000, 8: 16_000, 10: 32_000 },
}

const isLevel = (priority: number): priority is Priority => (LEVELS as readonly number[]).includes(priority)

export function defaultAllocation(taskType: string, priority: number): number {
  const row = DEFAULT_ALLOCATIONS[taskType]
  if (row === undefined) return DEFAULT_ROW[5]
  return isLevel(priority) ? row[priority] : row[5]
}

/** Apollo's priorities run 1–10; a reservation takes one of Tekton's four levels, the highest not above it. */
export function priorityLevel(priority: number): Priority {
  if (priority >= 10) return 10
  if (priority >= 8) return 8
  if (priority >= 5) return 5
  return 1
}

/** Critical work (priority 10) is never refused. */
export const isCritical = (priority: number) => priority >= 10
