// One name policy through every kind of entry point: a name starting with '-'
// (read as a flag in an argv) or otherwise outside the policy is refused with
// E_INVALID_INPUT before any process starts, and no file or folder appears.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, project, rejection, root, runCli } from './helpers.mjs'

const { DatabaseOrchestrator, WranglerConfigManager, UnifiedConfigManager, EnhancedSecretManager } = clodo
const TOML = 'name = "svc"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "svc-db"\ndatabase_id = "svc-db"\n'
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')

const listing = (dir) => readdirSync(dir, { recursive: true }).sort()

test('names that would be read as flags, or hold what no name may, are refused everywhere', async () => {
  const dir = project({ 'wrangler.toml': TOML })
  const before = listing(dir)
  const db = new DatabaseOrchestrator({ projectRoot: dir, wranglerPath })
  const config = new WranglerConfigManager({ projectRoot: dir })
  const records = new UnifiedConfigManager({ configDir: join(dir, 'config', 'customers') })
  const secrets = new EnhancedSecretManager({ projectRoot: dir, wranglerPath, secretKey: '4d'.repeat(32) })
  const refusals = {
    restoreToBookmark: () => db.restoreToBookmark('svc-db', 'production', '--help'),
    applyDatabaseMigrations: () => db.applyDatabaseMigrations('svc-db', 'DB', '--help'),
    addDatabaseBinding: () => config.addDatabaseBinding(null, { binding: 'DB', database_name: '--help', database_id: 'x' }),
    'addDatabaseBinding newline': () => config.addDatabaseBinding(null, { binding: 'DB', database_name: 'a\nb', database_id: 'x' }),
    setAccountId: () => config.setAccountId('-rf'),
    'setAccountId long': () => config.setAccountId('a'.repeat(10_000)),
    createMinimalConfig: () => new WranglerConfigManager({ projectRoot: join(dir, 'new') }).createMinimalConfig('--help'),
    ensureEnvironment: () => config.ensureEnvironment('--help'),
    saveCustomerConfig: () => records.saveCustomerConfig('--help', 'production', { domainName: 'a.example.com' }),
    'saveCustomerConfig env': () => records.saveCustomerConfig('acme', '-rf', { domainName: 'a.example.com' }),
    generateCustomerConfig: () => config.generateCustomerConfig('z'.repeat(10_000) + '.com', {}),
    generateDomainSpecificSecrets: () => secrets.generateDomainSpecificSecrets('-rf.example.com', 'production'),
  }
  for (const [entry, call] of Object.entries(refusals)) {
    const error = await rejection(Promise.resolve().then(call))
    assert.equal(error.code, 'E_INVALID_INPUT', `${entry}: ${error.message}`)
  }
  assert.deepEqual(listing(dir), before, 'nothing was written')

  const cli = runCli(['db', 'create', 'okname', '--env=--help', '--path', dir, '--json'])
  assert.notEqual(cli.code, 0)
  assert.equal(JSON.parse(cli.stdout).error.code, 'E_INVALID_INPUT')
})

test('--help with --json is one JSON document; a record path that is a folder loads as null, with a warning', async () => {
  const help = runCli(['deploy', '--help', '--json'])
  assert.equal(help.code, 0)
  assert.match(JSON.parse(help.stdout).help, /--health-path/)
  const bad = runCli(['deploy', '--bogus', '--json'])
  assert.equal(bad.code, 2)
  assert.equal(JSON.parse(bad.stdout).error.code, 'E_INVALID_INPUT')

  const dir = project()
  mkdirSync(join(dir, 'customers', 'acme', 'production.env'), { recursive: true })
  const load = `const { UnifiedConfigManager } = require(${JSON.stringify(root)}); console.log(JSON.stringify(new UnifiedConfigManager({ configDir: ${JSON.stringify(join(dir, 'customers'))} }).loadCustomerConfig('acme', 'production')))`
  const r = spawnSync(process.execPath, ['-e', load], { encoding: 'utf8' })
  assert.equal(r.stdout.trim(), 'null', 'as the original')
  assert.match(r.stderr, /warning: acme \(production\): .*production\.env.*Is a directory/)
})
