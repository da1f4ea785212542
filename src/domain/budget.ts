import { z } from 'zod'
import { Timestamp } from './common.js'
import { BudgetId } from './ids.js'

export const BudgetInput = z
  .object({
    name: z.string().trim().min(1).max(200).describe('Unique name, usable wherever an id is'),
    description: z.string().max(2000).optional(),
    owner: z.string().max(200).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  })
  .describe('A named envelope of policies, e.g. one per team, product or agent fleet')
export type BudgetInput = z.infer<typeof BudgetInput>

export const BudgetUpdate = BudgetInput.partial().extend({ archived: z.boolean().optional() })
export type BudgetUpdate = z.infer<typeof BudgetUpdate>

export const Budget = z.object({
  id: BudgetId,
  name: z.string(),
  description: z.string().nullable(),
  owner: z.string().nullable(),
  tags: z.array(z.string()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  archived: z.boolean(),
})
export type Budget = z.infer<typeof Budget>
