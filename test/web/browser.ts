/**
 * Browser harness for the dashboard tests: Debian's Chromium at /usr/bin/chromium driven
 * by playwright-core (which never downloads a browser), headless, in a fresh profile
 * directory that is deleted afterwards. Without Chromium a suite reduces to one passing
 * test that prints why it did not run.
 *
 * Also makes sure dist/web holds a build of the current web/ sources (npm test builds it
 * first; a test run on its own rebuilds it when a source is newer), and saves screenshots
 * under test-results/web/.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { describe, it } from 'vitest'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const WEB = join(ROOT, 'web')
const BUILT_INDEX = join(ROOT, 'dist', 'web', 'index.html')
const RESULTS = join(ROOT, 'test-results', 'web')

/** `describe` that runs only where Chromium is installed; elsewhere it passes, saying it was skipped. */
export function describeInBrowser(name: string, body: () => void): void {
  if (hasChromium) {
    describe(name, body)
    return
  }
  describe(name, () => {
    it('runs in Chromium', () => {
      console.log(`skipped: no chromium at ${CHROMIUM}`)
    })
  })
}

function newestSourceMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Builds the dashboard into dist/web unless a build newer than every web/ source is there. One process builds at a time. */
export async function ensureDashboardBuilt(): Promise<void> {
  const fresh = () => existsSync(BUILT_INDEX) && statSync(BUILT_INDEX).mtimeMs >= newestSourceMs(WEB)
  if (fresh()) return
  const lock = join(ROOT, 'dist', '.web-build-lock')
  mkdirSync(join(ROOT, 'dist'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  try {
    if (fresh()) return
    const { build } = await import('vite')
    await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'error' })
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

export interface TestBrowser {
  context: BrowserContext
  /** A new tab: its own sessionStorage, so a fresh session. */
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function aBrowser(options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'budget-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: options.width ?? 1366, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
    timezoneId: 'UTC',
    locale: 'en-US',
  })
  const errors: string[] = []
  context.on('weberror', (error) => errors.push(error.error().message))
  return {
    context,
    async newPage() {
      const page = await context.newPage()
      page.on('pageerror', (error) => errors.push(error.message))
      return page
    },
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
      if (errors.length > 0) throw new Error(`the dashboard threw in the browser: ${errors.join('; ')}`)
    },
  }
}

/** Saves a full-page screenshot as test-results/web/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true })
}

/**
 * Waits until no section of the page is still loading. Code run in the page is passed as a
 * string here and in the tests: the tests compile without the DOM library.
 */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction("document.querySelector('main') !== null && document.querySelector('.state.loading') === null")
}
