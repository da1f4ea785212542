import { z } from 'zod'

export const IdParam = z.object({ id: z.string().min(1).max(200) })

export const NoContent = z.null().describe('No content')
