// The local engine pays wrangler's start-up once per run where it can: every
// domain's D1 database is migrated, and every domain's worker served for its
// health check, from one helper process (miniflare, as wrangler uses it), and
// domains with the same build input share one bundle.
// Proved against wrangler itself: on the same rendered config wrangler sees
// nothing left to apply, its own apply of the same files into a twin database
// leaves the same tables, rows and bookkeeping, a failing file is rolled back
// whole and fails its domain alone, each domain built on its own gives the
// very bundle the run shared, and `wrangler dev` on a domain's rendered config
// sees the data its check left and no other domain's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { clodo, root, exampleService, project, startWranglerDev } from './helpers.mjs'

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
  assert.doesNotMatch(children, /clodo-local-helper-/, 'the helper ended with the run')

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

/** A service unlike the template: its own binding, entry and migrations folder names, a var, a local secret. */
function ledgerService() {
  return project({
    'wrangler.toml': 'name = "ledger"\nmain = "worker/entry.mjs"\ncompatibility_date = "2025-01-01"\n\n[vars]\nTIER = "basic"\n\n[[d1_databases]]\nbinding = "LEDGER"\ndatabase_name = "ledger"\ndatabase_id = "ledger"\nmigrations_dir = "schema"\n',
    'schema/0001_visits.sql': 'CREATE TABLE visits (domain TEXT NOT NULL);\n',
    '.dev.vars': 'API_KEY=local-only\n',
    'clodo.json': '{ "health": { "path": "/status", "expect": "\\"ok\\":true" } }\n',
    // Each check leaves a row naming the domain its worker thinks it serves, and answers with every row it sees.
    'worker/entry.mjs': `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== '/status') return new Response('not found', { status: 404 })
    await env.LEDGER.prepare('INSERT INTO visits (domain) VALUES (?)').bind(env.DOMAIN).run()
    const { results } = await env.LEDGER.prepare('SELECT domain FROM visits').all()
    return Response.json({ ok: true, domain: env.DOMAIN, tier: env.TIER, apiKey: env.API_KEY === 'local-only', visits: results.map((r) => r.domain) })
  },
}
`,
  })
}

test("every domain's health check is served by the run's one helper, each by its own worker with its own vars, secrets and database, where wrangler dev finds them", async () => {
  const servicePath = ledgerService()
  const domains = ['north.example.com', 'south.example.com', 'east.example.com', 'west.example.com']
  const result = await new MultiDomainOrchestrator({ servicePath, domains, environment: 'development', parallelDeployments: 2, wranglerPath: loggingWrangler(servicePath) }).deployPortfolio()
  assert.equal(result.summary.successful, 4, JSON.stringify(result.results.map((r) => r.error)))
  for (const r of result.results) {
    const checked = r.phaseResults['post-validation'].details
    assert.equal(checked.servedBy, 'local helper', JSON.stringify(checked))
    assert.deepEqual(JSON.parse(checked.health.bodyExcerpt), { ok: true, domain: r.domain, tier: 'basic', apiKey: true, visits: [r.domain] }, 'its own vars and secret, and no other domain in its database')
  }
  const argv = readFileSync(join(servicePath, 'argv.log'), 'utf8').trim().split('\n')
  assert.deepEqual(argv.filter((line) => /^(dev|d1) /.test(line)), [], 'no wrangler process per domain')
  assert.equal(argv.filter((line) => line.startsWith('deploy --dry-run')).length, 1)
  const children = spawnSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout
  assert.doesNotMatch(children, /clodo-local-helper-/, 'the helper ended with the run')

  // wrangler dev on a domain's rendered config reads the database the helper's check wrote to, and only it.
  const config = join(servicePath, '.clodo', 'rendered', 'south.example.com', 'development', 'wrangler.json')
  const dev = await startWranglerDev(config, servicePath)
  try {
    const body = await (await fetch(`${dev.base}/status`)).json()
    assert.equal(body.domain, 'south.example.com')
    assert.deepEqual(body.visits, ['south.example.com', 'south.example.com'])
  } finally {
    dev.stop()
  }
})

test('a worker the helper cannot serve is checked by its own wrangler dev, and the state says why', async () => {
  const servicePath = ledgerService()
  // The helper serves only what `deploy --dry-run` bundled: an assets-only worker has no bundle.
  writeFileSync(join(servicePath, 'wrangler.toml'), 'name = "ledger-site"\ncompatibility_date = "2025-01-01"\n\n[assets]\ndirectory = "public"\n')
  writeFileSync(join(servicePath, 'clodo.json'), '{ "health": { "path": "/", "expect": "ledger site" } }\n')
  mkdirSync(join(servicePath, 'public'))
  writeFileSync(join(servicePath, 'public', 'index.html'), '<h1>ledger site</h1>\n')
  const result = await new MultiDomainOrchestrator({ servicePath, domains: ['site.example.com'], environment: 'development', wranglerPath: wrangler }).deployPortfolio()
  assert.equal(result.summary.successful, 1, JSON.stringify(result.results.map((r) => r.error)))
  const checked = result.results[0].phaseResults['post-validation'].details
  assert.equal(checked.servedBy, 'wrangler dev')
  assert.match(checked.whyWranglerDev, /assets-only/)
})
