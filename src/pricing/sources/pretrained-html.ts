/**
 * Pretrained.ai's LLM price page: tables grouped by provider (a heading row per provider),
 * prices per thousand or per million tokens, read by the defensive table reader
 * (html-table.ts). cheerio is loaded on first use.
 */
import type { ParsedFeed } from './adapter.js'

export const PRETRAINED_HTML_URL = 'https://pretrained.ai/llm-prices'

export async function parsePretrainedPage(html: string): Promise<ParsedFeed> {
  const { parsePriceTables } = await import('./html-table.js')
  return parsePriceTables(html, 'Pretrained.ai page')
}
