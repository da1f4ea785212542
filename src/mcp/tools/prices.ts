/**
 * The price catalog: prices in effect now (get_prices) and the cost of given token counts
 * (calculate_cost).
 */
import { z } from 'zod'
import { CostRequest, CostResult, ModelPrice, PriceQuery } from '../../domain/price.js'
import { usd } from '../summary-text.js'
import { defineTool } from '../tool.js'

export const getPrices = defineTool({
  name: 'get_prices',
  title: 'Current prices',
  description: 'Prices in effect now, in USD per million input / output / cache tokens, for one provider or models whose id contains a text.',
  role: 'read',
  input: PriceQuery.extend({ limit: z.number().int().min(1).max(1000).default(50).describe('At most this many prices (default 50)') }),
  output: z.object({ items: z.array(ModelPrice), total: z.number().int().describe('How many prices matched before the limit') }),
  readOnly: true,
  run: async (service, { limit, ...query }) => {
    const all = await service.currentPrices(query)
    return { items: all.slice(0, limit), total: all.length }
  },
  summarize: ({ items, total }) => {
    const lines = items.slice(0, 20).map((p) => `- ${p.provider}/${p.model}: in ${usd(p.inputPerMtok)}, out ${usd(p.outputPerMtok)} per Mtok`)
    const more = total > lines.length ? [`… ${total - lines.length} more (see the JSON${total > items.length ? ' or raise limit' : ''})`] : []
    return [`${total} prices`, ...lines, ...more].join('\n')
  },
})

export const calculateCost = defineTool({
  name: 'calculate_cost',
  title: 'Calculate cost',
  description: 'The exact cost of given token counts with a model, priced with the catalog version in effect at the instant (default now). Records nothing.',
  role: 'read',
  input: CostRequest,
  output: CostResult,
  readOnly: true,
  run: (service, input) => service.calculateCost(input),
  summarize: (c) => (c.unpriced ? `${c.provider}/${c.model} has no known price` : `${c.provider}/${c.model}: ${usd(c.costUsd)} (price ${c.priceVersion})`),
})
