// WranglerConfigManager: every row of the contract, as a script written for
// @tamyla/clodo-framework would use it.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { join } from 'node:path'
import { writeFileSync, readdirSync, statSync, chmodSync, mkdirSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { clodo, project, read, exists, rejection } from './helpers.mjs'

const { WranglerConfigManager } = clodo

const BASE = `# The API worker
name = "data-service" # deployed name
main = "src/index.js"
compatibility_date = "2024-09-23"

[vars]
SERVICE_DOMAIN = "default"
LOG_LEVEL = "info"
`

const today = () => new Date().toISOString().split('T')[0]

describe('constructor', () => {
  test('a string is the config path and its folder the project root', () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager(join(dir, 'wrangler.toml'))
    assert.equal(m.configPath, join(dir, 'wrangler.toml'))
    assert.equal(m.projectRoot, dir)
    assert.equal(m.dryRun, false)
  })

  test('options accept camelCase and snake_case, relative paths resolve against the root', () => {
    const dir = project({ 'custom.toml': BASE })
    const a = new WranglerConfigManager({ projectRoot: dir, configPath: 'custom.toml', dryRun: true, accountId: 'acc' })
    const b = new WranglerConfigManager({ project_root: dir, config_path: 'custom.toml', dry_run: true, account_id: 'acc' })
    for (const m of [a, b]) {
      assert.equal(m.configPath, join(dir, 'custom.toml'))
      assert.equal(m.dryRun, true)
      assert.equal(m.accountId, 'acc')
    }
  })

  test("discovery follows wrangler's order: json, then jsonc, then toml", () => {
    const dir = project({ 'wrangler.toml': BASE, 'wrangler.jsonc': '{ "name": "x" }' })
    assert.equal(new WranglerConfigManager({ projectRoot: dir }).configPath, join(dir, 'wrangler.jsonc'))
    writeFileSync(join(dir, 'wrangler.json'), '{ "name": "y" }')
    const m = new WranglerConfigManager({ projectRoot: dir })
    assert.equal(m.configPath, join(dir, 'wrangler.json'))
    assert.equal(m.format, 'jsonc')
    assert.equal(new WranglerConfigManager({ projectRoot: project() }).configPath.endsWith('wrangler.toml'), true)
  })

  test('constructing has no side effects', () => {
    const dir = project()
    new WranglerConfigManager({ projectRoot: join(dir, 'service') })
    assert.deepEqual(readdirSync(dir), [])
  })
})

describe('readConfig', () => {
  test('parses the file', async () => {
    const m = new WranglerConfigManager(join(project({ 'wrangler.toml': BASE }), 'wrangler.toml'))
    const config = await m.readConfig()
    assert.equal(config.name, 'data-service')
    assert.deepEqual(config.vars, { SERVICE_DOMAIN: 'default', LOG_LEVEL: 'info' })
  })

  test('a missing file gives the defaults and writes nothing', async () => {
    const dir = project()
    const config = await new WranglerConfigManager({ projectRoot: dir }).readConfig()
    assert.deepEqual(config, { name: 'worker', main: 'src/index.js', compatibility_date: today(), env: {} })
    assert.deepEqual(readdirSync(dir), [])
  })

  test('bad syntax rejects with E_CONFIG_PARSE, the old message prefix, line and column', async () => {
    const dir = project({ 'wrangler.toml': 'name = "x"\n\n[vars\nA = 1\n' })
    const err = await rejection(new WranglerConfigManager({ projectRoot: dir }).readConfig())
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'E_CONFIG_PARSE')
    assert.match(err.message, /^Failed to read wrangler\.toml: /)
    assert.equal(err.line, 3)
    assert.equal(typeof err.column, 'number')
    assert.equal(err.file, join(dir, 'wrangler.toml'))
  })
})

describe('writeConfig', () => {
  test('writing back what readConfig returned changes no byte', async () => {
    const dir = project({ 'wrangler.toml': BASE + '\n[[d1_databases]]\nbinding = "DB" # main db\ndatabase_name = "a"\ndatabase_id = "1"\n' })
    const m = new WranglerConfigManager({ projectRoot: dir })
    const before = read(m.configPath)
    await m.writeConfig(await m.readConfig())
    assert.equal(read(m.configPath), before)
  })

  test('a changed object rewrites only what changed; comments survive', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    const config = await m.readConfig()
    config.vars.LOG_LEVEL = 'debug'
    delete config.vars.SERVICE_DOMAIN
    config.workers_dev = false
    await m.writeConfig(config)
    const text = read(m.configPath)
    assert.match(text, /^# The API worker\nname = "data-service" # deployed name\n/)
    assert.match(text, /LOG_LEVEL = "debug"/)
    assert.doesNotMatch(text, /SERVICE_DOMAIN/)
    assert.deepEqual(await m.readConfig(), config)
  })

  test('a new file is created, with its folder', async () => {
    const dir = project()
    const m = new WranglerConfigManager({ projectRoot: join(dir, 'svc') })
    await m.writeConfig({ name: 'x', main: 'src/index.js' })
    assert.equal(read(join(dir, 'svc', 'wrangler.toml')), 'name = "x"\nmain = "src/index.js"\n')
  })

  test('the file keeps its mode', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    chmodSync(join(dir, 'wrangler.toml'), 0o640)
    await new WranglerConfigManager({ projectRoot: dir }).setAccountId('abc')
    assert.equal(statSync(join(dir, 'wrangler.toml')).mode & 0o777, 0o640)
  })
})

test('exists', async () => {
  const dir = project()
  const m = new WranglerConfigManager({ projectRoot: dir })
  assert.equal(await m.exists(), false)
  writeFileSync(m.configPath, BASE)
  assert.equal(await m.exists(), true)
})

describe('ensureEnvironment', () => {
  test('adds [env.X] named like the top level, once', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    assert.equal(await m.ensureEnvironment('staging'), true)
    assert.equal(read(m.configPath), BASE + '\n[env.staging]\nname = "data-service"\n')
    assert.equal(await m.ensureEnvironment('staging'), false)
  })

  test('production is the top level: nothing to add', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    assert.equal(await m.ensureEnvironment('production'), false)
    assert.equal(read(m.configPath), BASE)
  })
})

describe('addDatabaseBinding', () => {
  test('defaults the binding to DB and accepts camelCase', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    assert.equal(await m.addDatabaseBinding('staging', { databaseName: 'svc-staging', databaseId: 'id-1' }), true)
    assert.deepEqual(await m.getDatabaseBindings('staging'), [{ binding: 'DB', database_name: 'svc-staging', database_id: 'id-1' }])
    const config = await m.readConfig()
    assert.equal(config.env.staging.name, 'data-service')
  })

  test('upserts by binding and by database name, keeping other fields', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    await m.addDatabaseBinding('staging', { binding: 'DB', database_name: 'a', database_id: '1', migrationsDir: 'db/migrations' })
    await m.addDatabaseBinding('staging', { binding: 'DB', database_name: 'b', database_id: '2' })
    await m.addDatabaseBinding('staging', { binding: 'OTHER', database_name: 'b', database_id: '3' })
    assert.deepEqual(await m.getDatabaseBindings('staging'), [
      { binding: 'OTHER', database_name: 'b', database_id: '3', migrations_dir: 'db/migrations' },
    ])
  })

  test('missing name or id rejects with the old message and leaves the file alone', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    for (const info of [{ database_name: 'a' }, { databaseId: '1' }, {}]) {
      const err = await rejection(m.addDatabaseBinding('staging', info))
      assert.equal(err.message, 'Database name and ID are required')
      assert.equal(err.code, 'E_INVALID_INPUT')
    }
    assert.equal(read(m.configPath), BASE)
  })

  test('production goes to the top level, and reads come from the same place', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    await m.addDatabaseBinding('production', { database_name: 'prod', database_id: 'p1', preview_database_id: 'pv' })
    const config = await m.readConfig()
    assert.deepEqual(config.d1_databases, [{ binding: 'DB', database_name: 'prod', database_id: 'p1', preview_database_id: 'pv' }])
    assert.equal(config.env, undefined)
    assert.deepEqual(await m.getDatabaseBindings('production'), config.d1_databases)
    assert.equal(await m.getWranglerEnvironment('production'), null)
    assert.equal(await m.getWranglerEnvironment('staging'), 'staging')
  })

  test('a file with [env.production] keeps production bindings there', async () => {
    const dir = project({ 'wrangler.toml': BASE + '\n[env.production]\nname = "data-service-prod"\n' })
    const m = new WranglerConfigManager({ projectRoot: dir })
    await m.addDatabaseBinding('production', { database_name: 'prod', database_id: 'p1' })
    const config = await m.readConfig()
    assert.equal(config.d1_databases, undefined)
    assert.equal(config.env.production.d1_databases[0].database_name, 'prod')
    assert.equal((await m.getDatabaseBindings('production')).length, 1)
    assert.equal(await m.getWranglerEnvironment('production'), 'production')
  })

  test('a custom productionEnvironment is the top level', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir, productionEnvironment: 'live' })
    await m.addDatabaseBinding('live', { database_name: 'l', database_id: '1' })
    assert.equal((await m.readConfig()).d1_databases.length, 1)
  })
})

describe('removeDatabaseBinding', () => {
  test('removes by binding or by name', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    await m.addDatabaseBinding('staging', { binding: 'A', database_name: 'a', database_id: '1' })
    await m.addDatabaseBinding('staging', { binding: 'B', database_name: 'b', database_id: '2' })
    assert.equal(await m.removeDatabaseBinding('staging', 'A'), true)
    assert.equal(await m.removeDatabaseBinding('staging', 'b'), true)
    assert.deepEqual(await m.getDatabaseBindings('staging'), [])
  })

  test('unknown gives false and leaves every byte', async () => {
    const text = BASE + '\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "a"\ndatabase_id = "1"\n'
    const dir = project({ 'wrangler.toml': text })
    const m = new WranglerConfigManager({ projectRoot: dir })
    assert.equal(await m.removeDatabaseBinding('production', 'nope'), false)
    assert.equal(await m.removeDatabaseBinding('staging', 'DB'), false)
    assert.equal(read(m.configPath), text)
    assert.equal(await m.removeDatabaseBinding('production', 'DB'), true)
    assert.equal(read(m.configPath), BASE)
  })
})

test('getDatabaseBindings gives [] when there are none', async () => {
  const m = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': BASE }) })
  assert.deepEqual(await m.getDatabaseBindings('staging'), [])
  assert.deepEqual(await m.getDatabaseBindings('production'), [])
})

test('setAccountId: false when empty or unchanged', async () => {
  const dir = project({ 'wrangler.toml': BASE })
  const m = new WranglerConfigManager({ projectRoot: dir })
  assert.equal(await m.setAccountId(''), false)
  assert.equal(await m.setAccountId(), false)
  assert.equal(await m.setAccountId('abc123'), true)
  assert.equal(await m.setAccountId('abc123'), false)
  assert.equal((await m.readConfig()).account_id, 'abc123')
  assert.match(read(m.configPath), /^# The API worker\nname = "data-service" # deployed name\n/)
})

describe('createMinimalConfig', () => {
  test('writes name, main, compatibility_date and the environment', async () => {
    const dir = project()
    const m = new WranglerConfigManager({ projectRoot: dir })
    const config = await m.createMinimalConfig('svc', 'staging', { main: 'src/worker.js' })
    assert.deepEqual(config, { name: 'svc', main: 'src/worker.js', compatibility_date: today(), env: { staging: {} } })
    assert.equal(read(m.configPath), `name = "svc"\nmain = "src/worker.js"\ncompatibility_date = "${today()}"\n\n[env.staging]\n`)
    assert.deepEqual(await m.readConfig(), { name: 'svc', main: 'src/worker.js', compatibility_date: today(), env: { staging: {} } })
  })

  test('an existing file is returned unchanged', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    const config = await m.createMinimalConfig('other', null, { compatibility_date: '2020-01-01' })
    assert.equal(config.name, 'data-service')
    assert.equal(read(m.configPath), BASE)
  })

  test('JSONC gets a JSONC file', async () => {
    const dir = project()
    const m = new WranglerConfigManager({ projectRoot: dir, configPath: 'wrangler.jsonc' })
    await m.createMinimalConfig('svc', null, { compatibilityDate: '2025-01-01' })
    assert.deepEqual(JSON.parse(read(m.configPath)), { name: 'svc', main: 'src/index.js', compatibility_date: '2025-01-01' })
  })
})

describe('validate', () => {
  test("keeps the original's messages; a missing name is a warning, as wrangler reads such a config", async () => {
    const missing = await new WranglerConfigManager({ projectRoot: project() }).validate()
    assert.deepEqual(missing, { valid: false, errors: ['wrangler.toml file not found'], warnings: [], findings: [] })

    const bare = await new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': 'workers_dev = true\n' }) }).validate()
    assert.equal(bare.valid, true)
    assert.deepEqual(bare.errors, [])
    assert.deepEqual(bare.warnings, ['Missing required field: name', 'Missing main field (entry point)', 'Missing compatibility_date field'])
    assert.deepEqual(bare.config, { workers_dev: true })

    const broken = await new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': 'name = \n' }) }).validate()
    assert.equal(broken.valid, false)
    assert.match(broken.errors[0], /^Invalid TOML syntax: .* at line 1, column 8$/)
    assert.equal(broken.findings[0].line, 1)
  })

  test("adds wrangler's rules, each with its line", async () => {
    const text = `name = "svc"
main = "src/index.js"
compatibility_date = "2024-13-01"
node_compat = true
routes = [{ pattern = "api.example.com", custom_domain = true }]

[vars]
DB = "oops"

[[d1_databases]]
binding = "DB"
database_name = "svc-db"

[env.staging]
name = "svc-staging"
`
    const m = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': text }) })
    const result = await m.validate()
    const rule = (r) => result.findings.filter((f) => f.rule === r)
    assert.equal(rule('BAD_COMPATIBILITY_DATE')[0].line, 3)
    assert.equal(rule('BAD_COMPATIBILITY_DATE')[0].severity, 'error')
    assert.equal(rule('REMOVED_KEY')[0].line, 4)
    assert.equal(rule('REMOVED_KEY')[0].severity, 'error')
    assert.match(rule('REMOVED_KEY')[0].message, /nodejs_compat/)
    assert.equal(rule('D1_MISSING_ID')[0].severity, 'warning')
    assert.equal(rule('D1_MISSING_ID')[0].line, 10)
    assert.equal(rule('DUPLICATE_BINDING')[0].severity, 'error')
    assert.equal(rule('INHERITED_ROUTES')[0].line, 14)
    assert.deepEqual(rule('NON_INHERITED_KEY').map((f) => f.message.match(/"(\w+)"/)[1]).sort(), ['d1_databases', 'vars'])
    assert.deepEqual(rule('NON_INHERITED_KEY').map((f) => f.env), ['staging', 'staging'])
    assert.ok(result.warnings.some((w) => /^\[env\.staging\] has no "vars": .*\(wrangler\.toml:14:\d+\)$/.test(w)), result.warnings.join('\n'))
    assert.equal(result.valid, false)
    assert.ok(result.warnings.length >= 4)

    const remote = await m.validate({ remote: true })
    assert.equal(remote.findings.find((f) => f.rule === 'D1_MISSING_ID').severity, 'error')
  })

  test('a clean config is valid with no findings', async () => {
    const m = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': BASE + '\n[env.staging]\nname = "s"\n[env.staging.vars]\nSERVICE_DOMAIN = "s"\nLOG_LEVEL = "debug"\n' }) })
    const result = await m.validate()
    assert.equal(result.valid, true)
    assert.deepEqual(result.findings, [])
  })
})

describe('customer configs', () => {
  test('getCustomerConfigPath is synchronous and throws a coded error on empty input', () => {
    const dir = project()
    const m = new WranglerConfigManager({ projectRoot: dir })
    assert.equal(m.getCustomerConfigPath('acme.com'), join(dir, 'config', 'customers', 'acme', 'wrangler.toml'))
    assert.throws(() => m.getCustomerConfigPath(''), (e) => e.code === 'E_INVALID_INPUT' && e.message.startsWith('Zone name is required'))
    assert.throws(() => m.getCustomerConfigPath('../x.com'), { code: 'E_INVALID_INPUT' })
  })

  test('generateCustomerConfig: account id, renamed workers, SERVICE_DOMAIN; idempotent; comments kept', async () => {
    const dir = project({ 'wrangler.toml': BASE + '\n[env.staging]\nname = "data-service-staging"\n\n[env.staging.vars]\nSERVICE_DOMAIN = "x"\n' })
    const m = new WranglerConfigManager({ projectRoot: dir })
    const path = await m.generateCustomerConfig('acme.com', { accountId: 'acc-1', environment: 'development' })
    assert.equal(path, m.getCustomerConfigPath('acme.com'))
    const first = read(path)
    const config = await new WranglerConfigManager(path).readConfig()
    assert.equal(config.account_id, 'acc-1')
    assert.equal(config.name, 'acme-service')
    assert.equal(config.vars.SERVICE_DOMAIN, 'acme')
    assert.equal(config.env.staging.name, 'acme-service-staging')
    assert.equal(config.env.staging.vars.SERVICE_DOMAIN, 'acme')
    assert.equal(config.env.development.name, 'acme-service')
    assert.match(first, /^# The API worker\n/)
    await m.generateCustomerConfig('acme.com', { accountId: 'acc-1', environment: 'development' })
    assert.equal(read(path), first)
    assert.equal(read(m.configPath).includes('acme'), false, 'the root config is not touched')
  })

  test('generateCustomerConfig with a workerName derives env names from it', async () => {
    const dir = project({ 'wrangler.toml': BASE + '\n[env.staging]\nname = "x"\n' })
    const m = new WranglerConfigManager({ projectRoot: dir })
    const path = await m.generateCustomerConfig('shop.example.com', { worker_name: 'shop-api-service' })
    const config = await new WranglerConfigManager(path).readConfig()
    assert.equal(config.name, 'shop-api-service')
    assert.equal(config.env.staging.name, 'shop-api-staging')
  })

  test('copyCustomerConfig makes the root byte-identical', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir })
    const path = await m.generateCustomerConfig('acme.com', { accountId: 'acc-1' })
    await m.copyCustomerConfig(path)
    assert.equal(read(m.configPath), read(path))
  })

  test('copyCustomerConfig errors keep the old messages', async () => {
    const m = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': BASE }) })
    const empty = await rejection(m.copyCustomerConfig(''))
    assert.equal(empty.message, 'Customer config path is required')
    const missing = await rejection(m.copyCustomerConfig('/nowhere/wrangler.toml'))
    assert.equal(missing.message, 'Customer config not found: /nowhere/wrangler.toml')
    assert.equal(missing.code, 'E_CONFIG_NOT_FOUND')
    assert.equal(read(m.configPath), BASE)
  })
})

test('displaySummary describes the file and the environment bindings', async () => {
  const m = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': BASE }) })
  await m.addDatabaseBinding('staging', { database_name: 'db-s', database_id: 'sid' })
  const printed = []
  const log = console.log
  console.log = (text) => printed.push(text)
  try {
    const text = await m.displaySummary('staging')
    assert.match(text, /Worker Name: data-service/)
    assert.match(text, /D1 Databases \(1\):\n\s+• DB: db-s \(sid\)/)
    assert.match(await m.displaySummary(), /Environments: staging/)
    assert.equal(printed[0], text, 'printed through console.log')
  } finally {
    console.log = log
  }
})

describe('JSONC', () => {
  const JSONC = `{
  // Service config
  "$schema": "node_modules/wrangler/config-schema.json",
  "name": "svc",
  "main": "src/index.ts", // entry
  "compatibility_date": "2025-01-01",
  "vars": { "A": "1" },
}
`
  test('every operation keeps comments and trailing commas', async () => {
    const dir = project({ 'wrangler.jsonc': JSONC })
    const m = new WranglerConfigManager({ projectRoot: dir })
    await m.addDatabaseBinding('production', { database_name: 'p', database_id: '1' })
    await m.addDatabaseBinding('staging', { database_name: 's', database_id: '2' })
    await m.setAccountId('acc')
    const text = read(m.configPath)
    assert.match(text, /\/\/ Service config\n/)
    assert.match(text, /"main": "src\/index.ts", \/\/ entry\n/)
    const config = await m.readConfig()
    assert.equal(config.account_id, 'acc')
    assert.equal(config.d1_databases[0].database_name, 'p')
    assert.equal(config.env.staging.d1_databases[0].database_name, 's')
    assert.equal(await m.removeDatabaseBinding('staging', 's'), true)
    assert.deepEqual(await m.getDatabaseBindings('staging'), [])
  })

  test('writeConfig of readConfig is byte-identical', async () => {
    const dir = project({ 'wrangler.jsonc': JSONC })
    const m = new WranglerConfigManager({ projectRoot: dir })
    await m.writeConfig(await m.readConfig())
    assert.equal(read(m.configPath), JSONC)
  })
})

describe('dryRun', () => {
  test('no mutating method writes; plannedWrites holds the would-be text, and plans compose', async () => {
    const dir = project({ 'wrangler.toml': BASE })
    const m = new WranglerConfigManager({ projectRoot: dir, dryRun: true })
    assert.equal(await m.ensureEnvironment('staging'), true)
    await m.addDatabaseBinding('staging', { database_name: 'a', database_id: '1' })
    await m.setAccountId('acc')
    const path = await m.generateCustomerConfig('acme.com', { accountId: 'acc' })
    await m.copyCustomerConfig(path)
    await m.writeConfig({ name: 'x' })
    assert.equal(read(join(dir, 'wrangler.toml')), BASE)
    assert.deepEqual(readdirSync(dir).sort(), ['wrangler.toml'])
    const plans = m.plannedWrites
    assert.equal(plans.length, 6)
    assert.match(plans[1].content, /\[env\.staging\]\nname = "data-service"\n\n\[\[env\.staging\.d1_databases\]\]/)
    assert.match(plans[2].content, /account_id = "acc"/)
    assert.equal(plans[3].path, path)
    // The surviving key keeps its comments.
    assert.equal(plans[5].content, '# The API worker\nname = "x" # deployed name\n')
  })

  test('createMinimalConfig in dry run writes nothing and says what it would write', async () => {
    const dir = project()
    const m = new WranglerConfigManager({ projectRoot: dir, dryRun: true })
    await m.createMinimalConfig('svc')
    assert.equal(exists(join(dir, 'wrangler.toml')), false)
    assert.equal(m.plannedWrites[0].content, `name = "svc"\nmain = "src/index.js"\ncompatibility_date = "${today()}"\n`)
  })
})

/** A project whose wrangler.toml lock another process (`flock`) holds for `seconds`. */
async function lockedProject(seconds) {
  const dir = project({ 'wrangler.toml': BASE })
  const lock = join(dir, '.wrangler.toml.clodo-lock')
  writeFileSync(lock, '')
  const holder = spawn('flock', [lock, 'sleep', String(seconds)], { stdio: 'ignore' })
  await new Promise((r) => setTimeout(r, 300))
  return { dir, holder }
}

test('a lock held by another process past lockTimeoutMs gives E_LOCKED and no change', async () => {
  const { dir, holder } = await lockedProject(3)
  try {
    const m = new WranglerConfigManager({ projectRoot: dir, lockTimeoutMs: 100 })
    const err = await rejection(m.setAccountId('abc'))
    assert.equal(err.code, 'E_LOCKED')
    assert.equal(read(m.configPath), BASE)
  } finally {
    holder.kill()
  }
})

test('a write that finds the lock held waits for it without blocking the event loop, then lands', async () => {
  const { dir, holder } = await lockedProject(1)
  try {
    const m = new WranglerConfigManager({ projectRoot: dir, lockTimeoutMs: 5000 })
    let ticks = 0
    const timer = setInterval(() => ticks++, 50)
    const started = Date.now()
    assert.equal(await m.setAccountId('abc'), true)
    clearInterval(timer)
    assert.ok(Date.now() - started >= 400, 'the write waited for the other process')
    assert.ok(ticks >= 5, `timers ran while the write waited (${ticks} ticks)`)
    assert.match(read(m.configPath), /account_id = "abc"/)
  } finally {
    holder.kill()
  }
})

test('writes asked for in order land in order, even when the first one waited for a lock', async () => {
  const { dir, holder } = await lockedProject(1)
  const m = new WranglerConfigManager({ projectRoot: dir, lockTimeoutMs: 5000 })
  const first = m.setAccountId('first')
  await once(holder, 'exit')
  // The lock is free now: the second write must still wait for the first.
  const second = m.setAccountId('second')
  await Promise.all([first, second])
  assert.match(read(m.configPath), /account_id = "second"/)
})

test('a config past the size limit is refused with the limit named; a large one validates off the event loop', async () => {
  const huge = project({ 'wrangler.toml': BASE + '#' + 'x'.repeat(9 * 1024 * 1024) + '\n' })
  const error = await rejection(new WranglerConfigManager({ projectRoot: huge }).readConfig())
  assert.equal(error.code, 'E_INVALID_INPUT')
  assert.match(error.message, /clodo reads wrangler configs of up to 8 MiB/)

  let vars = ''
  for (let i = 0; i < 40_000; i++) vars += `V${i} = "value ${i}"\n`
  const large = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': BASE + vars }) })
  const result = await large.validate()
  assert.equal(result.valid, true, JSON.stringify(result.errors))
})

test('wrong argument types are rejected before any work', () => {
  const m = new WranglerConfigManager({ projectRoot: project({ 'wrangler.toml': BASE }) })
  assert.throws(() => m.ensureEnvironment(42), /string/i)
})

test('an unreadable folder gives E_IO, not a crash', async () => {
  const dir = project()
  mkdirSync(join(dir, 'wrangler.toml'))
  const err = await rejection(new WranglerConfigManager({ projectRoot: dir, configPath: 'wrangler.toml' }).readConfig())
  assert.equal(err.code, 'E_IO')
})
