/**
 * Pretrained.ai's LLM price page: tables grouped by provider (a heading row per provider),
 * prices per thousand or per million tokens, read by the defensive table reader
 * (html-table.ts).
 */
import type { ParsedFeed } from './adapter.js'
import { parsePriceTables } from './html-table.js'

export const PRETRAINED_HTML_URL = 'https://pretrained.ai/llm-prices'

export const parsePretrainedPage = (html: string): ParsedFeed => parsePriceTables(html, 'Pretrained.ai page')
