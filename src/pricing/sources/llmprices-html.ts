/**
 * LLMPrices.com: an HTML table of models with provider, input and output columns in USD
 * per million tokens, read by the defensive table reader (html-table.ts).
 */
import type { ParsedFeed } from './adapter.js'
import { parsePriceTables } from './html-table.js'

export const LLMPRICES_HTML_URL = 'https://llmprices.com/'

export const parseLlmPricesPage = (html: string): ParsedFeed => parsePriceTables(html, 'LLMPrices.com page')
