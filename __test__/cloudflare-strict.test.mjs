// What the real Cloudflare API does that a lenient stand-in would hide: lists
// come in pages, zones belong to accounts and may be pending, a new worker's
// ordinary routes and cron triggers go to their own endpoints, and requests
// Cloudflare refuses are refused. clodo (and the real wrangler it drives)
// against the strict stand-in in ./support.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { clodo, project, rejection, require, root } from './helpers.mjs'
import { cloudflareApiForTests, newDatabase } from './support/cloudflare-api.mjs'

const token = 'strict-api-token'
const accountId = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
const otherAccount = 'ffffffffffffffffffffffffffffffff'
const zones = [
  ...Array.from({ length: 57 }, (_, i) => `zone-${String(i).padStart(2, '0')}.com`),
  'example.com',
  // shop.example.com exists as a zone twice: pending in this account, active in another one.
  { name: 'shop.example.com', status: 'pending' },
  { name: 'shop.example.com', account: otherAccount },
]
// A fresh account: no workers.dev subdomain registered.
const api = cloudflareApiForTests({ token, accountId, zones, workersDevSubdomain: null })
const cf = require('clodo/utils/cloudflare')
const options = { apiToken: token, accountId }
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')

test('every listing follows the pages: 2,300 databases and 60 zones are all found', async () => {
  for (let i = 0; i < 2300; i++) api.databases.set(`db-${i}`, newDatabase(`tenant-${String(i).padStart(4, '0')}-db`, `db-${i}`))
  const listed = await cf.listDatabases(options)
  assert.equal(listed.length, 2300)
  assert.equal(await cf.databaseExists('tenant-2299-db', options), true, 'a database on the third page exists')
  // D1 lists 1,000 a page by default (and allows 10,000): clodo asks for 1,000.
  const pages = api.requests.filter((r) => r.path.endsWith('/d1/database') && r.method === 'GET').slice(0, 3).map((r) => r.search)
  assert.deepEqual(pages, ['?page=1&per_page=1000', '?page=2&per_page=1000', '?page=3&per_page=1000'])

  const all = await new cf.CloudflareAPI(token).listZones()
  assert.equal(all.length, 60)
  assert.deepEqual(api.requests.filter((r) => r.path === '/client/v4/zones').map((r) => r.search), ['?page=1&per_page=50', '?page=2&per_page=50'])
  // The stand-in refuses pages larger than Cloudflare allows (zones: 50), as clodo's requests above never are.
  const tooBig = await fetch(`${api.baseUrl}/zones?per_page=100`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(tooBig.status, 400)
})

test("a host's zone is its account's active one: a pending zone or another account's is not", async () => {
  const { DomainDiscovery } = clodo
  const discovery = new DomainDiscovery({ apiToken: token, accountId })
  const found = await discovery.validateDomain('api.shop.example.com')
  assert.equal(found.found, true)
  assert.equal(found.zoneName, 'example.com', 'the pending shop.example.com and the other account\'s are passed over')
  const asked = api.requests.filter((r) => r.path === '/client/v4/zones').at(-1)
  const query = new URLSearchParams(asked.search)
  assert.equal(query.get('account.id'), accountId)
  assert.equal(query.get('status'), 'active')
})

test('a brand-new worker with ordinary routes and cron triggers deploys through its own endpoints', async () => {
  const servicePath = project({
    'wrangler.toml': [
      'name = "orders-api"', 'main = "index.js"', 'compatibility_date = "2025-01-01"',
      'routes = [{ pattern = "api.example.com/orders/*", zone_name = "example.com" }]',
      '[triggers]', 'crons = ["*/5 * * * *", "0 3 * * 1"]', '',
    ].join('\n'),
    'index.js': 'export default { fetch: () => new Response("ok"), scheduled: () => {} }\n',
  })
  assert.equal(api.workers.has('orders-api'), false)
  const deployed = await cf.deployWorker('', { ...options, servicePath, wranglerPath })
  const worker = api.workers.get('orders-api')
  assert.equal(worker.versions.length, 1, 'one full upload made the worker')
  assert.deepEqual(worker.routes.map((r) => r.pattern), ['api.example.com/orders/*'])
  assert.deepEqual(worker.schedules.map((s) => s.cron), ['*/5 * * * *', '0 3 * * 1'])
  assert.equal(deployed.versionId, worker.versions[0].id)
  assert.deepEqual(deployed.targets, ['api.example.com/orders/* (zone name: example.com)', 'schedule: */5 * * * *', 'schedule: 0 3 * * 1'])

  // A route on a zone that is not the account's is refused, as for real, and the deploy fails saying so.
  const elsewhere = project({
    'wrangler.toml': 'name = "elsewhere"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\nroutes = [{ pattern = "api.not-ours.dev/*", zone_name = "not-ours.dev" }]\n',
    'index.js': 'export default { fetch: () => new Response("ok") }\n',
  })
  const refused = await rejection(cf.deployWorker('', { ...options, servicePath: elsewhere, wranglerPath }))
  assert.match(refused.message, /not-ours\.dev/)

  // Routes need no workers.dev subdomain; a worker with none to serve it on is refused with the way out.
  const plain = project({ 'wrangler.toml': 'name = "plain"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n', 'index.js': 'export default { fetch: () => new Response("ok") }\n' })
  const nowhere = await rejection(cf.deployWorker('', { ...options, servicePath: plain, wranglerPath }))
  assert.match(nowhere.message, /register a workers\.dev subdomain|workers\/onboarding/)
})

test('static assets go up through an upload session: only files Cloudflare lacks, authorised by the session, attached to the version', async () => {
  const { readFileSync } = await import('node:fs')
  const servicePath = project({
    'wrangler.toml': 'name = "spa-site"\ncompatibility_date = "2025-01-01"\nroutes = [{ pattern = "app.example.com/*", zone_name = "example.com" }]\n\n[assets]\ndirectory = "./public"\nnot_found_handling = "single-page-application"\n',
    'public/index.html': readFileSync(join(root, 'tests', 'fixtures', 'projects', 'spa-site', 'public', 'index.html'), 'utf8'),
  })
  const before = api.assets.size
  await cf.deployWorker('', { ...options, servicePath, wranglerPath })
  const worker = api.workers.get('spa-site')
  assert.equal(api.assets.size, before + 1, 'its one file was stored')
  assert.match(worker.versions[0].resources.assets.jwt, /^completion-/)
  const uploads = api.requests.filter((r) => r.path.endsWith('/workers/assets/upload'))
  assert.equal(uploads.length, 1)
  assert.match(uploads[0].authorization, /^Bearer session-/, 'the session\'s JWT, not the API token')

  await cf.deployWorker('', { ...options, servicePath, wranglerPath })
  assert.equal(api.requests.filter((r) => r.path.endsWith('/workers/assets/upload')).length, 1, 'nothing new to upload the second time')
  assert.equal(worker.versions.length, 2)
})

test('what Cloudflare refuses is refused: a missing database binding, a split not making 100 %, a foreign zone, a bad bookmark, a transaction', async () => {
  const call = (method, path, body) => fetch(`${api.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) })
  const codeOf = async (response) => (await response.json()).errors[0].code
  const worker = api.addWorker('strict-worker')
  const version = worker.versions[0].id

  const form = new FormData()
  form.set('metadata', JSON.stringify({ main_module: 'index.js', bindings: [{ type: 'd1', name: 'DB', id: 'no-such-database' }] }))
  form.set('index.js', new Blob(['export default {}'], { type: 'application/javascript+module' }), 'index.js')
  const upload = await fetch(`${api.baseUrl}/accounts/${accountId}/workers/scripts/strict-worker/versions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
  assert.equal(await codeOf(upload), 10181)

  const split = await call('POST', `/accounts/${accountId}/workers/scripts/strict-worker/deployments`, { strategy: 'percentage', versions: [{ version_id: version, percentage: 30 }] })
  assert.equal(split.status, 400)
  assert.equal((await call('PATCH', `/accounts/${accountId}/workers/scripts/no-such-worker/settings`, {})).status, 404)
  assert.equal((await call('DELETE', `/accounts/${accountId}/workers/scripts/strict-worker/script-settings`)).status, 405)
  const elsewhere = await call('PUT', `/accounts/${accountId}/workers/scripts/strict-worker/domains/records`, { origins: [{ hostname: 'app.not-ours.dev' }] })
  assert.equal(elsewhere.status, 400, 'a custom domain on a zone the account does not have')
  const pending = await call('PUT', `/accounts/${accountId}/workers/scripts/strict-worker/domains/records`, { origins: [{ hostname: 'www.shop.example.com' }] })
  assert.equal(pending.status, 200, 'served by the account\'s active example.com, not the pending or foreign shop.example.com')

  const db = newDatabase('strict-db')
  api.databases.set(db.uuid, db)
  const garbage = await call('POST', `/accounts/${accountId}/d1/database/${db.uuid}/time_travel/restore?bookmark=garbage`)
  assert.equal(garbage.status, 400)
  const transaction = await call('POST', `/accounts/${accountId}/d1/database/${db.uuid}/query`, { sql: 'BEGIN TRANSACTION; CREATE TABLE t (id INTEGER); COMMIT;' })
  assert.equal(transaction.status, 400)
  assert.deepEqual(db.tables, [], 'the batch failed whole')
  const huge = await call('POST', `/accounts/${accountId}/d1/database/${db.uuid}/query`, { sql: `INSERT INTO t VALUES ('${'x'.repeat(100_001)}')` })
  assert.match((await huge.json()).errors[0].message, /SQLITE_TOOBIG/)
})

test('auth failures carry Cloudflare\'s statuses and codes, and clodo maps each to E_AUTH', async () => {
  const bare = await fetch(`${api.baseUrl}/zones`)
  assert.deepEqual([bare.status, (await bare.json()).errors[0].code], [400, 9106])
  const malformed = await fetch(`${api.baseUrl}/zones`, { headers: { authorization: 'Token abc' } })
  assert.deepEqual([malformed.status, (await malformed.json()).errors[0].code], [400, 6003])
  const unknown = await fetch(`${api.baseUrl}/zones`, { headers: { authorization: 'Bearer not-a-token-we-know' } })
  assert.deepEqual([unknown.status, (await unknown.json()).errors[0].code], [403, 10000])
  const refused = await rejection(new cf.CloudflareAPI('not-a-token-we-know').request('/zones'))
  assert.equal(refused.code, 'E_AUTH')
})

test('calls wait for the budget the API announces instead of going over it; a block met anyway is waited out by every call', async () => {
  const { startCloudflareApi } = await import('./support/cloudflare-api.mjs')
  // Four requests per three seconds; a client over it is blocked for two.
  const limited = await startCloudflareApi({ token, accountId, rateLimit: { quota: 4, windowSeconds: 3, blockSeconds: 2 } })
  const saved = process.env.CLOUDFLARE_API_BASE_URL
  process.env.CLOUDFLARE_API_BASE_URL = limited.baseUrl
  try {
    // The first answer says the policy (Ratelimit-Policy); then eight calls at once are paced to it.
    await cf.listDatabases(options)
    const started = Date.now()
    const listed = await Promise.all(Array.from({ length: 8 }, () => cf.listDatabases(options)))
    assert.ok(listed.every((l) => Array.isArray(l)), 'every call succeeded')
    assert.deepEqual(limited.requests.filter((r) => r.status === 429), [], 'none went over the budget')
    assert.ok(Date.now() - started >= 3000, 'the calls over one window waited for the next')

    // Another client on the same token trips the block: clodo's next calls meet it, wait it out, and send
    // nothing while it lasts.
    await new Promise((resolve) => setTimeout(resolve, 3100))
    for (let i = 0; i < 5; i++) await fetch(`${limited.baseUrl}/accounts`, { headers: { authorization: `Bearer ${token}` } })
    const tripped = limited.requests.length
    const after = await Promise.all(Array.from({ length: 2 }, () => cf.listDatabases(options)))
    assert.ok(after.every((l) => Array.isArray(l)))
    const mine = limited.requests.slice(tripped)
    const refused = mine.filter((r) => r.status === 429)
    assert.ok(refused.length >= 1, 'the block was met')
    const blockEnds = limited.requests[tripped - 1].at + 2000
    const during = mine.filter((r) => r.at > refused.at(-1).at && r.at < blockEnds - 50)
    assert.deepEqual(during, [], 'nothing was sent once the block was known')
  } finally {
    process.env.CLOUDFLARE_API_BASE_URL = saved
    await limited.close()
  }
})

test('a seed migration over D1\'s statement limit is split in a copy, and applied whole under its own name', async () => {
  const { MultiDomainOrchestrator } = clodo
  const { exampleService } = await import('./helpers.mjs')
  const { readFileSync, writeFileSync } = await import('node:fs')
  const servicePath = exampleService('clodo-strict-split-')
  const seed = `INSERT INTO items (name) VALUES ${Array.from({ length: 12_000 }, (_, i) => `('item number ${i}')`).join(', ')};\n`
  writeFileSync(join(servicePath, 'migrations', '0003_many_items.sql'), seed)
  const result = await new MultiDomainOrchestrator({ servicePath, domains: ['big.example.com'], environment: 'staging', skipTests: true, wranglerPath,
    secretKey: '4d'.repeat(32), cloudflareSettings: { token, accountId } }).deployPortfolio()
  const r = result.results[0]
  assert.equal(r.status, 'completed', r.error)
  assert.match(r.phaseResults.database.message, /DB: 0003_many_items\.sql split into statements within D1's 100 KB limit/)
  const db = [...api.databases.values()].find((d) => d.name === 'big-example-com-staging-db')
  assert.deepEqual(db.migrations.map((m) => m.name), ['0001_items.sql', '0002_seed.sql', '0003_many_items.sql'], 'recorded under its own name')
  const batch = db.queries.find((q) => q.includes("'item number 0'"))
  assert.ok(batch.split(';').every((statement) => Buffer.byteLength(statement) <= 100_000))
  assert.equal(readFileSync(join(servicePath, 'migrations', '0003_many_items.sql'), 'utf8'), seed, 'the service\'s file is untouched')
})
