import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CheckDecision } from '../../src/domain/check.js'
import { aBudgetWithPolicy, aCall, aRecord, aTestEngine } from '../support/engine.js'

type Op =
  | { kind: 'check'; input: number; output: number }
  | { kind: 'commit'; pick: number; fraction: number }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; seconds: number }

const anOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('check' as const), input: fc.integer({ min: 0, max: 3_000 }), output: fc.integer({ min: 0, max: 2_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 400 }) }) },
)

describe('the no-overspend invariant', () => {
  it('never lets committed + reserved tokens or cost pass a hard limit, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(anOp, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 }), async (rounds) => {
        const t = await aTestEngine()
        try {
          const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 10_000, costLimitUsd: 0.05 })
          const granted: NonNullable<CheckDecision['reservation']>[] = []

          for (const round of rounds) {
            // Each round's operations run concurrently, so the engine sees them interleaved.
            await Promise.all(
              round.map(async (op) => {
                if (op.kind === 'check') {
                  const decision = await t.engine.check({ budgetId: budget.id, ...aCall({ inputTokens: op.input, maxOutputTokens: op.output, ttlSeconds: 300 }) })
                  if (decision.reservation) granted.push(decision.reservation)
                } else if (op.kind === 'commit' && granted.length > 0) {
                  const reservation = granted[op.pick % granted.length]!
                  const used = Math.floor(reservation.tokensReserved * op.fraction)
                  await t.engine.recordUsage(aRecord({ reservationId: reservation.id, inputTokens: Math.floor(used / 2), outputTokens: used - Math.floor(used / 2) }))
                } else if (op.kind === 'release' && granted.length > 0) {
                  await t.engine.release(granted[op.pick % granted.length]!.id).catch(() => undefined)
                } else if (op.kind === 'advance') {
                  t.clock.now += op.seconds * 1000
                }
              }),
            )

            const [policy] = (await t.engine.summary(budget.id)).policies
            expect(policy!.tokensUsed + policy!.tokensReserved).toBeLessThanOrEqual(10_000)
            expect(policy!.costUsd + policy!.costReservedUsd).toBeLessThanOrEqual(0.05 + 1e-9)
          }
        } finally {
          await t.dispose()
        }
      }),
      { numRuns: 40 },
    )
  })
})
