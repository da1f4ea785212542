/**
 * LLMPrices.com: an HTML table of models with provider, input and output columns in USD
 * per million tokens, read by the defensive table reader (html-table.ts). cheerio is
 * loaded on first use, so that commands that never read a page do not pay for it.
 */
import type { ParsedFeed } from './adapter.js'

export const LLMPRICES_HTML_URL = 'https://llmprices.com/'

export async function parseLlmPricesPage(html: string): Promise<ParsedFeed> {
  const { parsePriceTables } = await import('./html-table.js')
  return parsePriceTables(html, 'LLMPrices.com page')
}
