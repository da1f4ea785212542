/**
 * `budget keys create|list|revoke`: API keys of the service. A key's secret is printed
 * once, when it is created; only its hash is stored.
 */
import { type Command, Option } from 'commander'
import { type ApiKey, ApiKeyInput, Role } from '../../domain/api-key.js'
import type { Cli } from '../context.js'
import { validate } from '../flags.js'
import { instant, type Output } from '../output.js'

export function registerKeys(program: Command, cli: Cli): void {
  const keys = program
    .command('keys')
    .description('Create, list and revoke API keys')
    .addHelpText(
      'after',
      `
Roles: read (GET), write (also check and record), admin (also keys).
Once a key exists, a server asks every request for one (Authorization: Bearer <key>).

Examples:
  $ budget keys create ops --role admin
  $ budget keys create agent-fleet --role write --json | jq -r .key
  $ budget keys list
  $ budget keys revoke key_0190f3…`,
    )

  keys
    .command('create')
    .description('Create an API key and print its secret (shown only this once)')
    .argument('<name>', 'what the key is for')
    .addOption(new Option('--role <role>', 'what the key may do').choices(Role.options).default('write'))
    .action(
      cli.action(async ({ out, service }, name: string, flags: { role: string }) => {
        const input = validate(ApiKeyInput, { name, role: flags.role }, { name: '<name>' }, 'key')
        const key = await (await service()).createKey(input)
        out.result(key, (k) => `created ${k.role} key ${k.name} (${k.id})\n\n  ${out.color.bold(k.key)}\n\nStore it now: it is not shown again.`)
      }),
    )

  keys
    .command('list')
    .description('List API keys (never their secrets)')
    .action(
      cli.action(async ({ out, service }) => {
        const items = await (await service()).listKeys()
        out.result({ items }, ({ items }) => keyTable(out, items))
      }),
    )

  keys
    .command('revoke')
    .description('Revoke an API key: it stops working within seconds')
    .argument('<id>', 'key id')
    .action(
      cli.action(async ({ out, service }, id: string) => {
        const key = await (await service()).revokeKey(id)
        out.result(key, (k) => `revoked key ${k.name} (${k.id})`)
      }),
    )
}

function keyTable(out: Output, items: ApiKey[]): string {
  if (items.length === 0) return 'no API keys: a loopback server is open to every local caller'
  return out.table(
    ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'STATUS'],
    items.map((k) => [out.id(k.id), k.name, k.role, `${k.prefix}…`, instant(k.createdAt), instant(k.lastUsedAt), k.revokedAt ? out.status('revoked') : 'active']),
  )
}
