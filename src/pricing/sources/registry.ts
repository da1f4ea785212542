/**
 * The sources the monitor knows by default, with their trust (TEKTON's original weights
 * where it had them), and the parser of each kind. Settings (BUDGET_PRICE_SOURCES or the
 * config file's `priceSources`) change a default's url, trust, schedule or switch it off, and
 * may add sources of a known kind (a mirror, a second LiteLLM file).
 *
 * Listing a source does not fetch it: nothing here touches the network.
 */
import { invalid } from '../../domain/errors.js'
import type { PriceSourceConfig, PriceSourceOverrides, SourceKind } from '../../domain/price-monitoring.js'
import { isCronPattern } from '../schedule.js'
import type { ParsedFeed } from './adapter.js'
import { LITELLM_URL, parseLiteLlm } from './litellm.js'
import { LLMPRICES_HISTORY_URL, LLMPRICES_URL, parseLlmPrices } from './llmprices.js'
import { LLMPRICES_HTML_URL, parseLlmPricesPage } from './llmprices-html.js'
import { OPENROUTER_URL, parseOpenRouter } from './openrouter.js'
import { PRETRAINED_HTML_URL, parsePretrainedPage } from './pretrained-html.js'

const DEFAULT_SOURCES: readonly PriceSourceConfig[] = [
  { id: 'manual', kind: 'manual', url: null, historyUrl: null, trust: 1, enabled: true, refreshCron: null },
  { id: 'bundled', kind: 'bundled', url: null, historyUrl: null, trust: 0.85, enabled: true, refreshCron: null },
  { id: 'litellm', kind: 'litellm', url: LITELLM_URL, historyUrl: null, trust: 0.9, enabled: true, refreshCron: null },
  { id: 'llmprices', kind: 'llmprices', url: LLMPRICES_URL, historyUrl: LLMPRICES_HISTORY_URL, trust: 0.8, enabled: true, refreshCron: null },
  { id: 'openrouter', kind: 'openrouter', url: OPENROUTER_URL, historyUrl: null, trust: 0.8, enabled: true, refreshCron: null },
  { id: 'llmprices_html', kind: 'llmprices_html', url: LLMPRICES_HTML_URL, historyUrl: null, trust: 0.8, enabled: true, refreshCron: null },
  { id: 'pretrained_html', kind: 'pretrained_html', url: PRETRAINED_HTML_URL, historyUrl: null, trust: 0.7, enabled: true, refreshCron: null },
]

/** Parsers of the fetched kinds; bundled and manual are read from memory and the store. */
export const PARSERS: Partial<Record<SourceKind, (body: string) => ParsedFeed | Promise<ParsedFeed>>> = {
  litellm: parseLiteLlm,
  llmprices: parseLlmPrices,
  openrouter: parseOpenRouter,
  llmprices_html: parseLlmPricesPage,
  pretrained_html: parsePretrainedPage,
}

/**
 * The defaults with `overrides` applied, defaults first, then added sources in the order
 * given. @throws BudgetError VALIDATION_FAILED for a new source without a kind or url.
 */
export function resolveSources(overrides: PriceSourceOverrides = {}): PriceSourceConfig[] {
  const sources = DEFAULT_SOURCES.map((s) => ({ ...s }))
  for (const [id, settings] of Object.entries(overrides)) {
    if (settings.refreshCron !== undefined && !isCronPattern(settings.refreshCron)) {
      throw invalid(`price source ${id}: refreshCron ${JSON.stringify(settings.refreshCron)} is not a cron pattern`, { source: id })
    }
    const existing = sources.find((s) => s.id === id)
    if (existing !== undefined) {
      if (settings.kind !== undefined && settings.kind !== existing.kind) {
        throw invalid(`price source ${id} is of kind ${existing.kind}, not ${settings.kind}`, { source: id })
      }
      Object.assign(existing, {
        ...(settings.url !== undefined && { url: settings.url }),
        ...(settings.historyUrl !== undefined && { historyUrl: settings.historyUrl }),
        ...(settings.trust !== undefined && { trust: settings.trust }),
        ...(settings.enabled !== undefined && { enabled: existing.kind === 'manual' ? true : settings.enabled }),
        ...(settings.refreshCron !== undefined && { refreshCron: settings.refreshCron }),
      })
      continue
    }
    if (settings.kind === undefined || PARSERS[settings.kind] === undefined) {
      throw invalid(`price source ${id}: a new source needs a kind of ${Object.keys(PARSERS).join(', ')}`, { source: id })
    }
    if (settings.url === undefined) throw invalid(`price source ${id}: a new source needs a url`, { source: id })
    sources.push({
      id,
      kind: settings.kind,
      url: settings.url,
      historyUrl: settings.historyUrl ?? null,
      trust: settings.trust ?? 0.5,
      enabled: settings.enabled ?? true,
      refreshCron: settings.refreshCron ?? null,
    })
  }
  return sources
}
