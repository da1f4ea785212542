// Writes docs/API_REFERENCE.md from the OpenAPI document the app generates.
import { writeFileSync } from 'node:fs'
import { buildApp } from '../dist/api/app.js'
import { renderApiReference } from '../dist/api/openapi-markdown.js'
import { openEngine } from '../dist/engine/engine.js'

const opened = await openEngine({ databaseUrl: 'sqlite::memory:' })
const app = await buildApp({ engine: opened.engine, store: opened.store, openWithoutKeys: true, rateLimitPerMinute: 0, logLevel: 'silent' })
await app.ready()
writeFileSync(new URL('../docs/API_REFERENCE.md', import.meta.url), renderApiReference(app.swagger()))
await app.close()
await opened.close()
console.log('wrote docs/API_REFERENCE.md')
