import { z } from 'zod'

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeS: z.number(),
  store: z.object({ dialect: z.string(), ok: z.boolean() }),
  priceSources: z.array(z.object({ id: z.string(), version: z.string(), ok: z.boolean() })),
})
export type Health = z.infer<typeof Health>
