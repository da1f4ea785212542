import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CheckDecision, CheckRequest } from '../../domain/check.js'
import { Reservation, ReservationQuery } from '../../domain/reservation.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam } from './shared.js'

export function reservationRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['reservations']

  api.post(
    '/api/v1/check',
    {
      schema: {
        tags,
        summary: 'Reserve budget for one call and say whether it may go ahead',
        description: 'A blocked call is a decision, not an error: 200 with allowed false and no reservation.',
        body: CheckRequest,
        response: { 200: CheckDecision },
      },
    },
    (req) => engine.check(req.body),
  )

  api.get(
    '/api/v1/reservations',
    { schema: { tags, summary: 'List reservations, newest first', querystring: ReservationQuery, response: { 200: z.object({ items: z.array(Reservation) }) } } },
    async (req) => ({ items: await engine.listReservations(req.query) }),
  )

  api.get('/api/v1/reservations/:id', { schema: { tags, summary: 'Get a reservation', params: IdParam, response: { 200: Reservation } } }, (req) =>
    engine.getReservation(req.params.id),
  )

  api.post(
    '/api/v1/reservations/:id/release',
    { schema: { tags, summary: 'Give back what a reservation holds without recording usage', params: IdParam, response: { 200: Reservation } } },
    (req) => engine.release(req.params.id),
  )
}
