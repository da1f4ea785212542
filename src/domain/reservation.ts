import { z } from 'zod'
import { Priority, Timestamp } from './common.js'
import { BudgetId, ReservationId } from './ids.js'

export const ReservationStatus = z.enum(['active', 'committed', 'released', 'expired'])
export type ReservationStatus = z.infer<typeof ReservationStatus>

export const Reservation = z
  .object({
    id: ReservationId,
    budgetId: BudgetId.nullable(),
    contextId: z.string().nullable(),
    provider: z.string(),
    model: z.string(),
    component: z.string().nullable(),
    taskType: z.string().nullable(),
    priority: Priority,
    tokensReserved: z.number().int(),
    costReservedUsd: z.number().nullable(),
    tokensUsed: z.number().int(),
    costUsedUsd: z.number(),
    status: ReservationStatus,
    createdAt: Timestamp,
    expiresAt: Timestamp,
  })
  .describe('Budget held for one call between check and usage (Tekton: allocation)')
export type Reservation = z.infer<typeof Reservation>

export const ReservationQuery = z.object({
  budgetId: z.string().max(200).optional(),
  contextId: z.string().max(200).optional(),
  status: ReservationStatus.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})
export type ReservationQuery = z.infer<typeof ReservationQuery>
