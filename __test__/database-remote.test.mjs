// DatabaseOrchestrator's remote paths. Cloudflare's API cannot be reached from
// these machines, so wrangler talks to the test server in support/cloudflare-api.mjs
// (CLOUDFLARE_API_BASE_URL), which answers with the real response envelope.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, project, read, rejection, root } from './helpers.mjs'
import { cloudflareApiForTests, newDatabase } from './support/cloudflare-api.mjs'

const { DatabaseOrchestrator } = clodo
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const token = 'cf-test-token-5f1e0c2b9a7d'
const accountId = '0123456789abcdef0123456789abcdef'
const api = cloudflareApiForTests({ token, accountId })

function service() {
  const dir = project({ 'wrangler.toml': 'name = "shop"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n# production lives at the top level\n' })
  mkdirSync(join(dir, 'migrations'))
  writeFileSync(join(dir, 'migrations', '0001_users.sql'), 'CREATE TABLE users(id INTEGER PRIMARY KEY);\n')
  writeFileSync(join(dir, 'migrations', '0002_orders.sql'), 'CREATE TABLE orders(id INTEGER PRIMARY KEY);\n')
  return dir
}

const remote = (dir, options = {}) =>
  new DatabaseOrchestrator({ projectRoot: dir, wranglerPath, cloudflareToken: token, cloudflareAccountId: accountId, retryDelay: 50, ...options })

/** Every file clodo wrote under the service folder, as one text. */
function everythingWritten(dir) {
  const texts = []
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else texts.push(read(path))
    }
  }
  walk(dir)
  return texts.join('\n')
}

test('createDatabase creates once, reuses by exact name, and writes the id the API returned', async () => {
  const dir = service()
  const db = remote(dir)
  const created = await db.createDatabase('shop-prod', { binding: 'DB', location: 'weur' })
  assert.equal(created.status, 'created')
  const onServer = [...api.databases.values()].find((d) => d.name === 'shop-prod')
  assert.equal(created.databaseId, onServer.uuid)
  const config = read(join(dir, 'wrangler.toml'))
  assert.match(config, new RegExp(`database_id = "${onServer.uuid}"`))
  assert.match(config, /# production lives at the top level/)

  api.databases.set('decoy', newDatabase('shop-prod-old', 'decoy'))
  const again = await db.createDatabase('shop-prod', { binding: 'DB' })
  assert.equal(again.status, 'exists')
  assert.equal(again.databaseId, onServer.uuid)
  const creates = api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/d1/database'))
  assert.equal(creates.length, 1)
  assert.deepEqual(JSON.parse(creates[0].body), { name: 'shop-prod', primary_location_hint: 'weur' })
})

test('remote migrations reach the bound database, take a bookmark first, and restoreToBookmark undoes them', async () => {
  const dir = service()
  const db = remote(dir)
  const { databaseId } = await db.createDatabase('shop-orders', { binding: 'DB' })
  await db.createDatabase('shop-other', { binding: 'OTHER' })
  const result = await db.applyDatabaseMigrations('shop-orders', 'DB', 'production')
  assert.equal(result.isRemote, true)
  assert.equal(result.migrationsApplied, 2)
  assert.match(result.bookmark, /^[0-9a-f-]+$/)
  assert.deepEqual(api.databases.get(databaseId).migrations.map((m) => m.name), ['0001_users.sql', '0002_orders.sql'])
  const other = [...api.databases.values()].find((d) => d.name === 'shop-other')
  assert.equal(other.queries.length, 0)
  const logged = read(join(dir, 'logs', 'database-audit.log'))
  assert.match(logged, new RegExp(`"event":"DATABASE_BOOKMARK_TAKEN".*"bookmark":"${result.bookmark}"`))

  const status = await db.getMigrationStatus('shop-orders', 'production')
  assert.deepEqual(status.pending, [])

  const unconfirmed = await db.restoreToBookmark('shop-orders', 'production', result.bookmark)
  assert.equal(unconfirmed.status, 'cancelled')
  const restored = await db.restoreToBookmark('shop-orders', 'production', result.bookmark, { confirm: () => true })
  assert.equal(restored.status, 'completed')
  const call = api.requests.findLast((r) => r.path.endsWith('/time_travel/restore'))
  assert.equal(new URLSearchParams(call.search).get('bookmark'), result.bookmark)
  // The database really went back: no table, no migration recorded.
  assert.deepEqual(api.databases.get(databaseId).migrations, [])
  assert.deepEqual(api.databases.get(databaseId).tables, [])
  assert.deepEqual((await db.getMigrationStatus('shop-orders', 'production')).pending.map((m) => m.name ?? m), ['0001_users.sql', '0002_orders.sql'])
})

test('a remote backup is exported, downloaded and checked; restored into another database, its rows are counted again', async () => {
  const dir = service()
  writeFileSync(join(dir, 'migrations', '0003_seed.sql'), "INSERT INTO users (id) VALUES (1), (2), (3);\n")
  const db = remote(dir)
  const { databaseId } = await db.createDatabase('shop-live', { binding: 'DB' })
  await db.applyDatabaseMigrations('shop-live', 'DB', 'production')
  const backupDir = join(dir, 'backups')
  const backup = await db.createDatabaseBackup('shop-live', 'production', backupDir)
  assert.equal(backup.status, 'completed')
  assert.equal(backup.isRemote, true)
  assert.deepEqual(backup.tables, { d1_migrations: 3, users: 3, orders: 0 })
  assert.deepEqual(backup.migrations, ['0001_users.sql', '0002_orders.sql', '0003_seed.sql'])
  assert.ok(api.requests.some((r) => r.path.endsWith(`/d1/database/${databaseId}/export`)), 'through the export API')
  assert.ok(api.requests.some((r) => r.path.startsWith('/__signed/export/')), 'downloaded from its signed URL')

  const { databaseId: copyId } = await db.createDatabase('shop-copy', { binding: 'COPY' })
  const restored = await db.restoreDatabaseBackup(join(backupDir, 'backup-manifest.json'), { database: 'shop-copy', environment: 'production', confirm: () => true })
  assert.equal(restored.status, 'completed', JSON.stringify(restored))
  assert.equal(restored.verified, true)
  assert.deepEqual(restored.tables, { d1_migrations: 3, users: 3, orders: 0 })
  const copy = api.databases.get(copyId)
  assert.deepEqual(copy.migrations.map((m) => m.name), ['0001_users.sql', '0002_orders.sql', '0003_seed.sql'])
  assert.equal(copy.rows.users, 3)
  const uploaded = api.requests.find((r) => r.method === 'PUT' && r.path.startsWith('/__signed/import/'))
  assert.ok(uploaded, 'the file went up to its upload URL')
  assert.equal(uploaded.authorization, undefined, 'a signed URL, not the API token')
})

test('the token reaches wrangler only through its environment: never argv, results, errors or files', async () => {
  const dir = service()
  const db = remote(dir)
  await db.createDatabase('shop-secret', { binding: 'DB' })
  const result = await db.applyDatabaseMigrations('shop-secret', 'DB', 'production')
  const apiCalls = api.requests.filter((r) => !r.path.startsWith('/__signed/')) // signed URLs carry no token
  assert.ok(apiCalls.length > 0 && apiCalls.every((r) => r.authorization === `Bearer ${token}`))
  const failing = await rejection(remote(dir, { cloudflareToken: `${token}-wrong` }).getMigrationStatus('shop-secret', 'production'))
  const plan = await remote(dir, { dryRun: true }).applyDatabaseMigrations('shop-secret', 'DB', 'production')
  for (const text of [JSON.stringify(result), JSON.stringify(plan), failing.message, everythingWritten(dir)]) {
    assert.equal(text.includes(token), false)
  }
  assert.equal(plan.commands.flat().some((arg) => arg.includes(token)), false)
})

test('a migration with a statement over D1\'s 100 KB is refused whole, and the error names the statement and how to split it', async () => {
  const dir = service()
  writeFileSync(join(dir, 'migrations', '0003_seed.sql'), `-- seed\nINSERT INTO users (id) VALUES ${Array.from({ length: 20_000 }, (_, i) => `(${i})`).join(', ')};\n`)
  const db = remote(dir)
  const { databaseId } = await db.createDatabase('shop-big', { binding: 'DB' })
  const failed = await rejection(db.applyDatabaseMigrations('shop-big', 'DB', 'production'))
  assert.equal(failed.code, 'E_MIGRATION_FAILED')
  assert.match(failed.message, /SQLITE_TOOBIG \[code: 7500\]: D1 takes at most 100 KB per statement, and .*0003_seed\.sql has 1 over it at line 2 \(\d+ KB\); split each/)
  assert.deepEqual(api.databases.get(databaseId).migrations.map((m) => m.name), ['0001_users.sql', '0002_orders.sql'], 'the earlier files applied, the big one not at all')
})

test("a 429 is retried after the API's retry-after; a 401 is not retried and is E_AUTH", async () => {
  const dir = service()
  const db = remote(dir) // retryDelay 50 ms: only the retry-after explains a longer wait
  const { databaseId } = await db.createDatabase('shop-retry', { binding: 'DB' })
  const queryRequests = () => api.requests.filter((r) => r.path.endsWith(`${databaseId}/query`))
  const queries = () => queryRequests().length

  api.failNext({ path: /\/query$/, status: 429, code: 971, message: 'Please wait and consider throttling your request speed', retryAfter: 2 })
  let before = queries()
  const status = await db.getMigrationStatus('shop-retry', 'production')
  assert.deepEqual(status.pending, ['0001_users.sql', '0002_orders.sql'])
  assert.equal(queries() - before, 2)
  const [limited, retried] = queryRequests().slice(-2)
  assert.ok(retried.at - limited.at >= 2000, `retried after ${retried.at - limited.at} ms`)

  api.failNext({ path: /\/query$/, status: 429, code: 971, message: 'Please wait', retryAfter: 3600 })
  before = queries()
  const patient = await rejection(db.getMigrationStatus('shop-retry', 'production'))
  assert.equal(patient.code, 'E_RATE_LIMITED')
  assert.match(patient.message, /retry after 3600 s/)
  assert.equal(queries() - before, 1)

  before = queries()
  const denied = await rejection(remote(dir, { cloudflareToken: 'not-the-token' }).getMigrationStatus('shop-retry', 'production'))
  assert.equal(denied.code, 'E_AUTH')
  assert.match(denied.message, /Authentication error \[code: 10000\]/)
  assert.equal(queries() - before, 1)
})
