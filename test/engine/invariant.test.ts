import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CheckDecision } from '../../src/domain/check.js'
import { aBudgetWithPolicy, aCall, aRecord, aTestEngine, STORE_KINDS } from '../support/engine.js'

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

interface Granted {
  reservation: NonNullable<CheckDecision['reservation']>
  input: number
  output: number
}

describe.each(STORE_KINDS)('the no-overspend invariant on %s', (store) => {
  it('never lets committed + reserved tokens or cost pass a hard limit, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(anOp, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 }), async (rounds) => {
        const t = await aTestEngine({ store })
        try {
          const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 10_000, costLimitUsd: 0.05 })
          const granted: Granted[] = []

          for (const round of rounds) {
            // The clock moves between rounds; each round's operations run concurrently, so the
            // engine sees them interleaved.
            for (const op of round) if (op.kind === 'advance') t.clock.now += op.seconds * 1000
            await Promise.all(
              round.map(async (op) => {
                if (op.kind === 'check') {
                  const decision = await t.engine.check({ budgetId: budget.id, ...aCall({ inputTokens: op.input, maxOutputTokens: op.output, ttlSeconds: 300 }) })
                  if (decision.reservation) granted.push({ reservation: decision.reservation, input: op.input, output: op.output })
                } else if (op.kind === 'commit' && granted.length > 0) {
                  // A call reports once, before its reservation expires or is released, and
                  // uses at most what it reserved of each kind of token. Usage beyond that is
                  // recorded too (it happened) and may pass the limit, by design.
                  const [{ reservation, input, output }] = granted.splice(op.pick % granted.length, 1) as [Granted]
                  if (Date.parse(reservation.expiresAt) <= t.clock.now) return
                  const used = aRecord({ reservationId: reservation.id, inputTokens: Math.floor(input * op.fraction), outputTokens: Math.floor(output * op.fraction) })
                  await t.engine.recordUsage(used)
                } else if (op.kind === 'release' && granted.length > 0) {
                  const [{ reservation }] = granted.splice(op.pick % granted.length, 1) as [Granted]
                  await t.engine.release(reservation.id)
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
      // Each run opens an engine on a database of its own; PostgreSQL's cost more.
      { numRuns: store === 'postgres' ? 25 : 40 },
    )
  }, 90_000)
})
