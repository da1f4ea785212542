/**
 * Builds the dashboard (web/) into dist/web, which the service serves at `/`
 * (src/api/static.ts). Everything the page needs is in the bundle: nothing is fetched from
 * a CDN at run time. Each text asset is also written gzip- and brotli-compressed beside
 * itself, so the server sends the smaller file without compressing on every request.
 *
 * `npx vite --config web/vite.config.ts` runs a dev server that proxies the API, /ws and
 * /docs to a service on BUDGET_DEV_API (default http://127.0.0.1:8013).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import preact from '@preact/preset-vite'
import { defineConfig, type Plugin } from 'vite'

const webRoot = fileURLToPath(new URL('.', import.meta.url))
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url))
const api = process.env.BUDGET_DEV_API ?? 'http://127.0.0.1:8013'

function precompress(): Plugin {
  return {
    name: 'budget:precompress',
    apply: 'build',
    writeBundle(_options, bundle) {
      for (const name of [...Object.keys(bundle), 'index.html']) {
        if (!/\.(js|css|html|svg)$/.test(name)) continue
        const file = join(outDir, name)
        const content = readFileSync(file)
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }))
        writeFileSync(`${file}.br`, brotliCompressSync(content))
      }
    },
  }
}

export default defineConfig({
  root: webRoot,
  base: '/',
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false }), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: {
      '/api': api,
      '/docs': api,
      '/health': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
})
