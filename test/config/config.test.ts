import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'

const made: string[] = []

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'budget-config-'))
  made.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('settings', () => {
  it('defaults to port 8013 on loopback with SQLite under ./data', () => {
    const cwd = emptyDir()

    const config = loadConfig({ env: {}, cwd })

    expect(config).toMatchObject({ port: 8013, host: '127.0.0.1', timezone: 'UTC', databaseUrl: `sqlite:${join(cwd, 'data', 'budget.db')}` })
  })

  it('names the variable and the value at fault', () => {
    expect(() => loadConfig({ env: { BUDGET_PORT: 'abc' }, cwd: emptyDir() })).toThrow(ConfigError)
    expect(() => loadConfig({ env: { BUDGET_PORT: 'abc' }, cwd: emptyDir() })).toThrow(/BUDGET_PORT="abc"/)
    expect(() => loadConfig({ env: { BUDGET_TIMEZONE: 'Mars/Base' }, cwd: emptyDir() })).toThrow(/BUDGET_TIMEZONE="Mars\/Base": not an IANA time zone/)
  })

  it('takes flags over the environment over the config file', () => {
    const cwd = emptyDir()
    writeFileSync(join(cwd, 'budget.config.yaml'), 'port: 9001\ntimezone: Europe/Berlin\nlogLevel: warn\n')

    const config = loadConfig({ env: { BUDGET_PORT: '9002', BUDGET_LOG_LEVEL: 'error' }, flags: { port: 9003 }, cwd })

    expect(config).toMatchObject({ port: 9003, logLevel: 'error', timezone: 'Europe/Berlin' })
  })

  it('names the file key of a bad value in the config file', () => {
    const cwd = emptyDir()
    writeFileSync(join(cwd, 'budget.config.json'), JSON.stringify({ durability: 'sometimes' }))

    expect(() => loadConfig({ env: {}, cwd })).toThrow(/budget\.config\.json: durability="sometimes"/)
  })
})
