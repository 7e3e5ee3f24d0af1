// The remote engine (issue 17): a domain's steps but its upload go through
// Cloudflare's API, paced with the token's budget, with one wrangler process
// (the upload) per domain. Migrations are recorded exactly as wrangler records
// them (proven against `wrangler d1 migrations apply --remote` on the test API
// server), and a run that needs more requests than the budget allows waits for
// it instead of being blocked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clodo, root, exampleService } from './helpers.mjs'
import { cloudflareApiForTests, newDatabase, startCloudflareApi } from './support/cloudflare-api.mjs'

const { MultiDomainOrchestrator } = clodo
const token = 'remote-engine-token'
const accountId = '4c1d9e2b7a8f40e3b5d6c7a8e9f0a1b2'
// The account's zones are listed (as a real account's are): each custom domain's zone is found in one list.
const api = cloudflareApiForTests({ token, accountId, zones: ['example.com', 'example.org'] })
const wrangler = join(root, 'node_modules', '.bin', 'wrangler')
const secretKey = '7c'.repeat(32)

// wrangler through a wrapper that logs each process's first two arguments.
function countedWrangler(dir) {
  const wrapper = join(dir, 'wrangler-counted')
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$1 $2" >> "${join(dir, 'wrangler.log')}"\nexec "${wrangler}" "$@"\n`)
  chmodSync(wrapper, 0o755)
  return { wrapper, processes: () => readFileSync(join(dir, 'wrangler.log'), 'utf8').trim().split('\n').filter((l) => !l.startsWith('--version')) }
}

function orchestrator(servicePath, domains, extra = {}) {
  return new MultiDomainOrchestrator({
    servicePath, domains, environment: 'staging', parallelDeployments: 2, secretKey, skipTests: true, wranglerPath: wrangler,
    cloudflareSettings: { token, accountId }, ...extra,
  })
}

// Asynchronously: the test API server answers from this process.
function wranglerRemote(args, cwd, baseUrl) {
  const env = { ...process.env, CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_ACCOUNT_ID: accountId, CLOUDFLARE_API_BASE_URL: baseUrl, CI: 'true', WRANGLER_SEND_METRICS: 'false' }
  return new Promise((resolve) => {
    const child = spawn(wrangler, args, { cwd, env })
    let [stdout, stderr] = ['', '']
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

test('a domain costs one wrangler process and at most 12 API requests; the run records what each domain used', async () => {
  const servicePath = exampleService('clodo-remote-engine-')
  const { wrapper, processes } = countedWrangler(servicePath)
  const domains = ['one.example.com', 'two.example.com', 'three.example.com']
  const first = api.requests.length
  const result = await orchestrator(servicePath, domains, { wranglerPath: wrapper, standardSecrets: true }).deployPortfolio()
  assert.equal(result.summary.successful, 3, JSON.stringify(result.results.map((r) => r.error)))
  assert.deepEqual(processes(), ['deploy --message', 'deploy --message', 'deploy --message'], 'the upload is the only wrangler process of each domain')

  // Every request of the run, clodo's and wrangler's, the run's shared lists included.
  const made = api.requests.slice(first).filter((q) => q.path.startsWith('/client/v4'))
  assert.ok(made.length <= 12 * domains.length, `${made.length} requests for ${domains.length} domains: ${made.map((q) => `${q.method} ${q.path}`).join(', ')}`)
  for (const domain of domains) {
    const worker = `data-service-${domain.replaceAll('.', '-')}-staging`
    const db = [...api.databases.values()].find((d) => d.name === `${domain.replaceAll('.', '-')}-staging-db`)
    assert.deepEqual(db.migrations.map((m) => m.name), ['0001_items.sql', '0002_seed.sql'])
    assert.equal(api.workers.get(worker).secrets.size, 10, 'the upload carried its secrets')
    const r = result.results.find((x) => x.domain === domain)
    // Its database created, then its two migrations (the bookkeeping table made with the first).
    assert.ok(r.api.requests >= 3, `clodo's own requests are counted for ${domain}: ${JSON.stringify(r.api)}`)
    assert.equal(r.api.reservedForWrangler, 8, 'the deploy\'s requests were set aside in the budget before it started')
  }
  // The account's lists are read once for the whole run, not once per domain.
  assert.equal(made.filter((q) => q.method === 'GET' && q.path.endsWith('/d1/database')).length, 1)
  assert.equal(made.filter((q) => q.path.endsWith('/memberships') || q.path.endsWith('/accounts')).length, 0, 'the account was given')
  const saved = JSON.parse(readFileSync(join(servicePath, '.clodo', 'deployments', `${result.deploymentId}.json`), 'utf8'))
  assert.equal(saved.domains['one.example.com'].api.requests, result.results[0].api.requests)
})

test('migrations go up as wrangler sends them, and wrangler agrees afterwards that none is left to apply', async () => {
  // wrangler's own run, on a database of its own, from the same folder.
  const byWrangler = newDatabase('migrated-by-wrangler')
  api.databases.set(byWrangler.uuid, byWrangler)
  const project = mkdtempSync(join(tmpdir(), 'clodo-wrangler-migrations-'))
  const migrations = join(root, 'examples', 'data-service', 'migrations')
  writeFileSync(join(project, 'wrangler.json'), JSON.stringify({ name: 'x', compatibility_date: '2026-01-01', d1_databases: [{ binding: 'DB', database_name: byWrangler.name, database_id: byWrangler.uuid, migrations_dir: migrations }] }))
  const applied = await wranglerRemote(['d1', 'migrations', 'apply', 'DB', '--remote'], project, api.baseUrl)
  assert.equal(applied.status, 0, applied.stderr)

  const servicePath = exampleService('clodo-remote-migrations-')
  const result = await orchestrator(servicePath, ['same.example.com']).deployPortfolio()
  assert.equal(result.summary.successful, 1, result.results[0].error)
  const byClodo = [...api.databases.values()].find((d) => d.name === 'same-example-com-staging-db')

  // wrangler: create the table, read it, then each file with its row. clodo sends the same statements; on a
  // database it has just created there is nothing to read, and the table is made with the first file.
  const [create, list, ...files] = byWrangler.queries
  assert.equal(files.length, 2)
  assert.deepEqual(byClodo.queries, [`${create}\n${files[0]}`, files[1]])
  assert.deepEqual(byClodo.migrations.map((m) => m.name), byWrangler.migrations.map((m) => m.name))

  const rendered = join(servicePath, '.clodo', 'rendered', 'same.example.com', 'staging')
  const listed = await wranglerRemote(['d1', 'migrations', 'list', 'DB', '--remote', '--config', join(rendered, 'wrangler.json')], servicePath, api.baseUrl)
  assert.equal(listed.status, 0, listed.stderr)
  assert.match(listed.stdout, /No migrations to apply/)

  // A later run reads the table as wrangler does (both statements in one request) and applies nothing.
  const before = byClodo.queries.length
  const again = await orchestrator(servicePath, ['same.example.com']).deployPortfolio()
  assert.match(again.results[0].phaseResults.database.message, /0 migration\(s\) applied/)
  assert.deepEqual(byClodo.queries.slice(before), [`${create}\n${list}`])
})

test('a run needing more requests than the budget allows waits for it, says so, and is never refused', async () => {
  // A budget of 50 requests per 15 s (the API's Ratelimit-Policy says so); going over would block for a minute.
  const small = await startCloudflareApi({ token: 'small-budget-token', accountId, zones: ['example.com'], rateLimit: { quota: 50, windowSeconds: 15, blockSeconds: 60 } })
  const previous = process.env.CLOUDFLARE_API_BASE_URL
  process.env.CLOUDFLARE_API_BASE_URL = small.baseUrl
  try {
    const servicePath = exampleService('clodo-remote-budget-')
    const events = []
    const domains = ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com', 'e.example.com', 'f.example.com']
    const o = orchestrator(servicePath, domains, { cloudflareSettings: { token: 'small-budget-token', accountId }, onProgress: (e) => events.push(e) })
    const result = await o.deployPortfolio()
    assert.equal(result.summary.successful, 6, JSON.stringify(result.results.map((r) => r.error)))
    assert.ok(small.requests.length > 50, `the run made ${small.requests.length} requests, more than one window allows`)
    assert.deepEqual(small.requests.filter((q) => q.status === 429), [], 'not one request was refused')
    const waited = result.results.reduce((sum, r) => sum + r.api.waitedMs, 0)
    assert.ok(waited > 1000, `the run waited for the budget (${waited} ms)`)
    const waiting = events.filter((e) => e.status === 'waiting')
    assert.ok(waiting.length > 0)
    assert.match(waiting[0].message, /^waiting \d+ s for the API token's budget/)
  } finally {
    process.env.CLOUDFLARE_API_BASE_URL = previous
    await small.close()
  }
})
