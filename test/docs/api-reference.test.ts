import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import { renderApiReference } from '../../src/api/openapi-markdown.js'
import { openEngine } from '../../src/engine/engine.js'

describe('docs/API_REFERENCE.md', () => {
  it('is what the OpenAPI document renders to (run `npm run docs:api` after changing a route)', async () => {
    const opened = await openEngine({ databaseUrl: 'sqlite::memory:' })
    const app = await buildApp({ engine: opened.engine, store: opened.store, openWithoutKeys: true, rateLimitPerMinute: 0, logLevel: 'silent' })
    await app.ready()

    const rendered = renderApiReference(app.swagger() as Parameters<typeof renderApiReference>[0])

    await app.close()
    await opened.close()
    expect(rendered).toBe(readFileSync(new URL('../../docs/API_REFERENCE.md', import.meta.url), 'utf8'))
    expect(rendered).toContain('### POST /api/v1/check')
  })
})
