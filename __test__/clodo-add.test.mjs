// `clodo add <feature>[:<binding>]` (issue 18): the binding goes into the
// service's config in place, to every environment (or -e's), read back by
// wrangler's own config reader; --dry-run prints the diff and writes nothing;
// --remote creates the resource first (found by name when it exists) and
// writes its real id; and a worker using the added KV deploys locally for
// real, each domain with its own namespace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { project, require, root, runCli, runCliAsync, startWranglerDev } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const token = 'clodo-add-token'
const accountId = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
const api = cloudflareApiForTests({ token, accountId })

const TOML = `# The notes worker
name = "notes"
main = "src/index.js"
compatibility_date = "2025-01-01"

[env.staging]
name = "notes-staging"
`

function notesService() {
  return project({
    'wrangler.toml': TOML,
    'clodo.json': '{ "health": { "path": "/health", "expect": "\\"ok\\":true" } }\n',
    'src/index.js': `export default {
  async fetch(request, env) {
    await env.NOTES.put('domain', env.DOMAIN)
    return Response.json({ ok: (await env.NOTES.get('domain')) === env.DOMAIN, crons: true })
  },
}
`,
  })
}

function wranglerReads(file) {
  const run = spawnSync(process.execPath, [join(root, '__test__', 'support', 'wrangler-read-configs.mjs')], { input: `${file}\n`, encoding: 'utf8', cwd: root })
  assert.equal(run.status, 0, run.stderr)
  return JSON.parse(run.stdout).runs
}

test('add puts the binding in every environment as written, --dry-run only shows the diff, and the service deploys with it', () => {
  const dir = notesService()
  const config = join(dir, 'wrangler.toml')
  const planned = runCli(['add', 'kv:NOTES', '-p', dir, '--dry-run'])
  assert.equal(planned.code, 0, planned.stderr)
  assert.match(planned.stdout, /\+\[\[kv_namespaces\]\]\n\+binding = "NOTES"/)
  assert.match(planned.stdout, /\+\[\[env\.staging\.kv_namespaces\]\]/)
  assert.match(planned.stdout, /dry run: would change/)
  assert.equal(readFileSync(config, 'utf8'), TOML, 'a dry run writes nothing')

  assert.equal(runCli(['add', 'kv:NOTES', '-p', dir]).code, 0)
  const cron = runCli(['add', 'cron', '-p', dir, '--schedule', '*/15 * * * *', '--json'])
  assert.equal(JSON.parse(cron.stdout).changed, true)
  const again = runCli(['add', 'kv:NOTES', '-p', dir, '--json'])
  assert.equal(JSON.parse(again.stdout).changed, false, 'the same binding again changes nothing')
  const text = readFileSync(config, 'utf8')
  assert.ok(text.startsWith(TOML), text)
  for (const run of wranglerReads(config)) assert.equal(run.error, null, `${run.env}: ${run.error}`)

  const deployed = runCli(['deploy', '--local', dir, 'one.example.com', 'two.example.com', '--json'])
  assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr)
  const results = JSON.parse(deployed.stdout).runs[0].summary.results
  for (const r of results) assert.deepEqual(JSON.parse(r.phaseResults['post-validation'].details.health.bodyExcerpt), { ok: true, crons: true })

  const refused = runCli(['add', 'hyperdrive', '-p', dir])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /hyperdrive needs --id ID/)
})

test('add --remote creates the namespace and database once, found by name afterwards, and writes their real ids', async () => {
  const dir = notesService()
  const env = { CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_ACCOUNT_ID: accountId, CLOUDFLARE_API_BASE_URL: api.baseUrl }
  const first = await runCliAsync(['add', 'kv:NOTES', '-p', dir, '-e', 'staging', '--remote', '--json'], env)
  assert.equal(first.code, 0, first.stderr)
  assert.deepEqual(JSON.parse(first.stdout).resource, { name: 'notes-notes', created: true })
  const [namespace] = [...api.namespaces.values()]
  assert.equal(namespace.title, 'notes-notes')
  const d1 = await runCliAsync(['add', 'd1', '-p', dir, '-e', 'staging', '--remote', '--json'], env)
  assert.equal(d1.code, 0, d1.stderr)
  const database = [...api.databases.values()].find((db) => db.name === 'notes-db')
  assert.ok(database)

  const text = readFileSync(join(dir, 'wrangler.toml'), 'utf8')
  assert.match(text, new RegExp(`\\[\\[env\\.staging\\.kv_namespaces\\]\\]\\nbinding = "NOTES"\\nid = "${namespace.id}"`))
  assert.match(text, new RegExp(`database_id = "${database.uuid}"`))
  assert.doesNotMatch(text, /= ""/, 'never an empty id')

  const reused = await runCliAsync(['add', 'kv:NOTES', '-p', dir, '-e', 'staging', '--remote', '--json'], env)
  assert.deepEqual(JSON.parse(reused.stdout).resource, { name: 'notes-notes', created: false })
  assert.equal(api.namespaces.size, 1)
})

test('add auth:bearer puts the worker behind clodo/worker\'s bearer check inside wrangler dev, its own file untouched, /health open', async () => {
  const worker = 'export default {\n  fetch(request) {\n    return new Response(new URL(request.url).pathname === "/health" ? "healthy" : "notes for you")\n  },\n}\n'
  const dir = project({ 'wrangler.toml': TOML, 'src/index.js': worker })
  // The project depends on clodo, as a service using clodo/worker does.
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(root, join(dir, 'node_modules', 'clodo'))
  const planned = runCli(['add', 'auth:bearer', '-p', dir, '--dry-run'])
  assert.equal(planned.code, 0, planned.stderr)
  assert.match(planned.stdout, /-main = "src\/index\.js"\n\+main = "src\/clodo-entry\.js"/)
  assert.match(planned.stdout, /\+export default withMiddleware\(worker, createBearerAuth\(\{ secret: 'AUTH_TOKEN', exempt: \['\/health'\] \}\)\)/)
  assert.equal(readFileSync(join(dir, 'wrangler.toml'), 'utf8'), TOML, 'a dry run writes nothing')

  const added = runCli(['add', 'auth:bearer', '-p', dir])
  assert.equal(added.code, 0, added.stderr)
  assert.equal(readFileSync(join(dir, 'src', 'index.js'), 'utf8'), worker, "the worker's own file is untouched")
  assert.match(readFileSync(join(dir, '.dev.vars.example'), 'utf8'), /^AUTH_TOKEN=$/m, 'declared, so deploys generate and upload it')
  assert.match(runCli(['add', 'auth:apikey', '-p', dir]).stderr, /already behind clodo's auth/)

  writeFileSync(join(dir, '.dev.vars'), 'AUTH_TOKEN=local-token\n')
  const dev = await startWranglerDev(join(dir, 'wrangler.toml'), dir)
  try {
    const ask = (path, headers = {}) => fetch(`${dev.base}${path}`, { headers })
    const anonymous = await ask('/notes')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer')
    assert.equal((await ask('/notes', { Authorization: 'Bearer wrong-token' })).status, 401)
    const allowed = await ask('/notes', { Authorization: 'Bearer local-token' })
    assert.equal(allowed.status, 200)
    assert.equal(await allowed.text(), 'notes for you')
    assert.equal(await (await ask('/health')).text(), 'healthy', 'the health path needs no token')
  } finally {
    dev.stop()
  }
})

test('createApiKeyAuth: the header must carry the secret exactly; an unset secret is a 500 naming it, never an open door', async () => {
  const { createApiKeyAuth, withMiddleware } = require(join(root, 'js', 'worker.cjs'))
  const worker = withMiddleware({ fetch: () => new Response('in'), scheduled: () => 'kept' }, createApiKeyAuth({ exempt: ['/status'] }))
  const call = (path, headers, env = { API_KEY: 'k-123' }) => worker.fetch(new Request(`https://x.example${path}`, { headers }), env, {})
  assert.equal((await call('/data', { 'X-API-Key': 'k-123' })).status, 200)
  for (const wrong of ['k-12', 'k-1234', 'K-123', '']) assert.equal((await call('/data', { 'X-API-Key': wrong })).status, 401, wrong)
  assert.equal((await call('/data', {})).status, 401)
  assert.equal((await call('/status', {})).status, 200)
  const unset = await call('/data', { 'X-API-Key': 'anything' }, {})
  assert.equal(unset.status, 500)
  assert.match(await unset.text(), /the API_KEY secret is not set/)
  assert.equal(worker.scheduled(), 'kept', 'its other handlers stay')
})
