/**
 * The dashboard's pages, in navigation order. Each path (and everything below it) is a
 * client route; src/api/static.ts answers them with index.html and keeps its own copy of
 * this list (CLIENT_ROUTES) — change both together.
 */
import type { FunctionComponent } from 'preact'
import { AlertsPage } from './pages/alerts.js'
import { BudgetsPage } from './pages/budgets.js'
import { CostsPage } from './pages/costs.js'
import { OverviewPage } from './pages/overview.js'
import { PricesPage } from './pages/prices.js'
import { ProvidersPage } from './pages/providers.js'
import { UsagePage } from './pages/usage.js'

export interface PageEntry {
  path: string
  label: string
  component: FunctionComponent<{ id?: string | undefined }>
}

export const PAGES: PageEntry[] = [
  { path: '/', label: 'Overview', component: OverviewPage },
  { path: '/usage', label: 'Usage', component: UsagePage },
  { path: '/costs', label: 'Costs', component: CostsPage },
  { path: '/providers', label: 'Providers', component: ProvidersPage },
  { path: '/prices', label: 'Prices', component: PricesPage },
  { path: '/alerts', label: 'Alerts', component: AlertsPage },
  { path: '/budgets', label: 'Budgets', component: BudgetsPage },
]

/** The page of a path and the rest of the path after it (`/budgets/bud_1` → Budgets, "bud_1"). */
export function match(path: string): { page: PageEntry; id: string | undefined } | null {
  const normal = path.length > 1 ? path.replace(/\/+$/, '') : path
  if (normal === '/' || normal === '/overview') return { page: PAGES[0]!, id: undefined }
  for (const page of PAGES.slice(1)) {
    if (normal === page.path) return { page, id: undefined }
    if (normal.startsWith(`${page.path}/`)) return { page, id: decodeURIComponent(normal.slice(page.path.length + 1)) }
  }
  return null
}
