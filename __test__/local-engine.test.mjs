// The local engine pays wrangler's start-up once per run where it can: every
// domain's D1 database is migrated from one helper process (miniflare, as
// wrangler uses it), and domains with the same build input share one bundle.
// Proved against wrangler itself: on the same rendered config wrangler sees
// nothing left to apply, its own apply of the same files into a twin database
// leaves the same tables, rows and bookkeeping, a failing file is rolled back
// whole and fails its domain alone, and each domain built on its own gives
// the very bundle the run shared.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { clodo, root, exampleService } from './helpers.mjs'

const { MultiDomainOrchestrator } = clodo
const wrangler = join(root, 'node_modules', '.bin', 'wrangler')

/** A wrangler that logs its argv, then runs the real one. */
function loggingWrangler(dir) {
  const wrapper = join(dir, 'wrangler-argv-logger')
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(dir, 'argv.log')}"\nexec "${wrangler}" "$@"\n`)
  chmodSync(wrapper, 0o755)
  return wrapper
}

function run(config, ...args) {
  const r = spawnSync(wrangler, [...args, '--config', config], { encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  return r.stdout
}

/** What a database holds, as wrangler reads it: bookkeeping without times, then every table's rows. */
function contents(config, binding) {
  const query = "SELECT name FROM d1_migrations ORDER BY id; SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name != 'sqlite_sequence' ORDER BY name; SELECT * FROM items ORDER BY id"
  return JSON.parse(run(config, 'd1', 'execute', binding, '--local', '--json', '--command', query)).map((r) => r.results)
}

test('every domain is migrated by one helper and built once, and leaves what wrangler itself would', async () => {
  const servicePath = exampleService('clodo-local-d1-')
  const domains = ['one.example.com', 'two.example.com', 'three.example.com']
  const result = await new MultiDomainOrchestrator({ servicePath, domains, environment: 'development', skipTests: true, wranglerPath: loggingWrangler(servicePath) }).deployPortfolio()
  assert.equal(result.summary.successful, 3, JSON.stringify(result.results.map((r) => r.error)))
  const argv = readFileSync(join(servicePath, 'argv.log'), 'utf8')
  assert.doesNotMatch(argv, /d1 migrations apply/, 'no wrangler process migrated')
  for (const r of result.results) assert.deepEqual(r.phaseResults.database.details.databases[0].applied, ['0001_items.sql', '0002_seed.sql'])
  const children = spawnSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout
  assert.doesNotMatch(children, /clodo-d1-helper-/, 'the helper ended with the run')

  // One build for the three: the same bundle, recorded for each domain, and the very one each would build alone.
  assert.equal(argv.split('\n').filter((line) => line.startsWith('deploy --dry-run')).length, 1, argv)
  const hashes = result.results.map((r) => r.phaseResults.deployment.details.bundleSha256)
  assert.equal(new Set(hashes).size, 1)
  assert.match(hashes[0], /^[0-9a-f]{64}$/)
  for (const domain of ['two.example.com', 'three.example.com']) {
    // Beside the shared one, equally deep: the bundle names its sources relative to where it is written.
    const alone = join(servicePath, '.clodo', 'rendered', domain, 'development', 'alone')
    run(join(servicePath, '.clodo', 'rendered', domain, 'development', 'wrangler.json'), 'deploy', '--dry-run', '--outdir', alone)
    assert.equal(createHash('sha256').update(readFileSync(join(alone, 'index.js'))).digest('hex'), hashes[0], `${domain} built alone`)
  }

  const config = join(servicePath, '.clodo', 'rendered', 'two.example.com', 'development', 'wrangler.json')
  assert.match(run(config, 'd1', 'migrations', 'list', 'DB', '--local'), /No migrations to apply/)
  // The same files applied by wrangler to a twin database of the same config.
  const twin = join(servicePath, '.clodo', 'rendered', 'two.example.com', 'development', 'twin.json')
  const rendered = JSON.parse(readFileSync(config, 'utf8'))
  rendered.d1_databases.push({ ...rendered.d1_databases[0], binding: 'TWIN', database_name: 'twin-db', database_id: 'twin-db' })
  writeFileSync(twin, JSON.stringify(rendered))
  run(twin, 'd1', 'migrations', 'apply', 'TWIN', '--local')
  assert.deepEqual(contents(twin, 'DB'), contents(twin, 'TWIN'))
  assert.deepEqual(contents(config, 'DB')[0], [{ name: '0001_items.sql' }, { name: '0002_seed.sql' }])
})

test('a failing migration is rolled back whole and fails its domain alone, as wrangler does', async () => {
  const servicePath = exampleService('clodo-local-d1-fail-')
  const domains = ['good.example.com', 'bad.example.com']
  const o = (extra) => new MultiDomainOrchestrator({ servicePath, domains, environment: 'development', skipTests: true, wranglerPath: wrangler, ...extra })
  assert.equal((await o().deployPortfolio()).summary.successful, 2)
  writeFileSync(join(servicePath, 'migrations', '0003_half.sql'), 'CREATE TABLE half (id INTEGER);\nTHIS IS NOT SQL;\n')
  const config = (domain) => join(servicePath, '.clodo', 'rendered', domain, 'development', 'wrangler.json')
  const second = await o({ domains: ['bad.example.com'] }).deployPortfolio()
  const r = second.results[0]
  assert.equal(r.status, 'failed')
  assert.match(r.error, /^database: migrations of bad-example-com-development-db \(binding DB\): 0003_half\.sql failed: .*syntax error/)
  const [bookkeeping, tables] = contents(config('bad.example.com'), 'DB')
  assert.deepEqual(bookkeeping, [{ name: '0001_items.sql' }, { name: '0002_seed.sql' }])
  assert.equal(tables.some((t) => t.name === 'half'), false, 'the failed file left nothing')
  // wrangler's own apply of the same file fails the same way and leaves the same.
  const twin = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--config', config('good.example.com')], { encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } })
  assert.notEqual(twin.status, 0)
  assert.deepEqual(contents(config('good.example.com'), 'DB').slice(0, 2), [bookkeeping, tables])
})
