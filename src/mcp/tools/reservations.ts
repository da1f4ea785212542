/**
 * The tools of one call's lifecycle: reserve before it (allocate_budget, check_budget) and
 * record what it used after it (record_usage), which commits the reservation.
 */
import { z } from 'zod'
import { CheckDecision, CheckRequest } from '../../domain/check.js'
import { Label } from '../../domain/common.js'
import { UsageInput, UsageRecord } from '../../domain/usage.js'
import { decisionText, tokens, usd } from '../summary-text.js'
import { defineTool } from '../tool.js'

export const allocateBudget = defineTool({
  name: 'allocate_budget',
  title: 'Allocate budget',
  description:
    "Reserve a token allowance for a session or task before its work starts (Tekton's allocation). Say which model will use it, the input tokens and the most output tokens expected. " +
    'The answer says whether the work may go ahead (allowed, action allow|warn|downgrade|block), why, and holds a reservation; pass its id as reservationId to record_usage when done. An unused reservation expires on its own.',
  role: 'write',
  input: CheckRequest.extend({ contextId: Label.describe('The session or task the allocation is for') }),
  output: CheckDecision,
  readOnly: false,
  run: (service, input) => service.check(input),
  summarize: decisionText,
})

export const checkBudget = defineTool({
  name: 'check_budget',
  title: 'Check budget',
  description:
    'Reserve budget for one LLM call and say whether it may go ahead. Give the provider, model, input tokens and max output tokens of the call. ' +
    'A blocked call is a decision (allowed false), not an error; a suggestedModel names a cheaper model that would cost less. Record the real usage afterwards with record_usage and the reservation id.',
  role: 'write',
  input: CheckRequest,
  output: CheckDecision,
  readOnly: false,
  run: (service, input) => service.check(input),
  summarize: decisionText,
})

export const recordUsage = defineTool({
  name: 'record_usage',
  title: 'Record usage',
  description:
    'Record what one LLM call really used (input, output and cache tokens). With the reservationId from check_budget it commits that reservation and frees the rest. ' +
    'Usage is stored even past a limit; the same id twice is one record (created false).',
  role: 'write',
  input: UsageInput,
  output: z.object({ record: UsageRecord, created: z.boolean() }),
  readOnly: false,
  run: (service, input) => service.recordUsage(input),
  summarize: ({ record, created }) => {
    const total = record.inputTokens + record.outputTokens + record.cacheReadTokens + record.cacheWriteTokens
    return `${created ? 'recorded' : 'already recorded'} ${record.id}: ${record.provider}/${record.model}, ${tokens(total)}, ${usd(record.costUsd)}`
  },
})
