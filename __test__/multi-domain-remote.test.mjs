// MultiDomainOrchestrator in remote mode. Cloudflare's API cannot be reached
// from these machines, so the real wrangler talks to the API stand-in in
// ./support (CLOUDFLARE_API_BASE_URL): every domain gets its own D1 database,
// worker, secrets and custom domain; a deploy whose health check fails is
// rolled back to the version recorded before it, database included.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clodo, rejection, root, exampleService as exampleServiceCopy } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const { MultiDomainOrchestrator } = clodo
const token = 'remote-portfolio-token'
const accountId = 'f3b5c1a9e8d74c2b9a6e0d1c2b3a4f5e'
const api = cloudflareApiForTests({ token, accountId })
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const secretKey = '5a'.repeat(32)

const exampleService = () => exampleServiceCopy('clodo-remote-portfolio-')

function orchestrator(servicePath, domains, extra = {}) {
  return new MultiDomainOrchestrator({
    servicePath, domains, environment: 'staging', parallelDeployments: 2, wranglerPath, secretKey,
    cloudflareSettings: { token, accountId }, ...extra,
  })
}

const databaseNamed = (name) => [...api.databases.values()].find((db) => db.name === name)

test('each domain deploys its own worker with its own database, secrets and custom domain', async () => {
  const servicePath = exampleService()
  const domains = ['shop.example.com', 'blog.example.org']
  const events = []
  // The example declares no secrets of its own: clodo's standard ten are asked for.
  const result = await orchestrator(servicePath, domains, { skipTests: true, standardSecrets: true, onProgress: (e) => events.push(e) }).deployPortfolio()
  assert.deepEqual(result.summary.successful, 2, JSON.stringify(result.results.map((r) => r.phaseResults), null, 1))

  for (const domain of domains) {
    const dashed = domain.replaceAll('.', '-')
    const workerName = `data-service-${dashed}-staging`
    const worker = api.workers.get(workerName)
    assert.ok(worker, `worker ${workerName} was deployed`)
    const db = databaseNamed(`${dashed}-staging-db`)
    assert.ok(db, 'its own database was created')
    assert.deepEqual(db.migrations.map((m) => m.name), ['0001_items.sql', '0002_seed.sql'])
    const deployed = worker.versions.find((v) => v.id === worker.deployments[0].versions[0].version_id)
    const d1 = deployed.resources.bindings.find((b) => b.type === 'd1')
    assert.equal(d1.id, db.uuid, 'the worker is bound to its own database id, as wrangler created it')
    const vars = Object.fromEntries(deployed.resources.bindings.filter((b) => b.type === 'plain_text').map((b) => [b.name, b.text]))
    assert.equal(vars.DOMAIN, domain)
    assert.equal(vars.DATABASE_NAME, `${dashed}-staging-db`)
    assert.equal(worker.secrets.size, 10)
    assert.deepEqual(worker.domains, [`staging-data-service.${domain}`])

    const r = result.results.find((x) => x.domain === domain)
    assert.equal(r.url, `https://staging-data-service.${domain}`)
    assert.equal(r.phaseResults.deployment.details.versionId, deployed.id)
    assert.equal(r.phaseResults.initialization.details.databaseId, db.uuid)
    assert.deepEqual(r.phaseResults.initialization.details.rollbackPoint.versions, [], 'no worker existed before')
  }
  // Secret values went through stdin: no request line, no event, no result carries one.
  const values = [...api.workers.get('data-service-shop-example-com-staging').secrets.values()]
  const printed = JSON.stringify({ result, events })
  for (const value of values) assert.equal(printed.includes(value), false)
})

test('a project whose D1 bindings are not called DB: each binding is the domain\'s own database, and only its declared secrets go up', async () => {
  const servicePath = mkdtempSync(join(tmpdir(), 'clodo-remote-temp-mail-'))
  cpSync(join(root, 'tests', 'fixtures', 'projects', 'temp-mail'), servicePath, { recursive: true })
  const domains = ['mail.example.com', 'post.example.org']
  const result = await orchestrator(servicePath, domains, { serviceName: 'temp-mail', configPath: join(servicePath, 'wrangler.jsonc'), skipTests: true }).deployPortfolio()
  assert.equal(result.summary.successful, 2, JSON.stringify(result.results.map((r) => r.error)))
  const ids = new Set()
  for (const domain of domains) {
    const dashed = domain.replaceAll('.', '-')
    const worker = api.workers.get(`temp-mail-${dashed}-staging`)
    const deployed = worker.versions.find((v) => v.id === worker.deployments[0].versions[0].version_id)
    const d1 = Object.fromEntries(deployed.resources.bindings.filter((b) => b.type === 'd1').map((b) => [b.name, b.id]))
    const own = databaseNamed(`${dashed}-staging-database-db`)
    const inbox = databaseNamed(`${dashed}-staging-temp-mail-db-db`)
    assert.deepEqual(d1, { database: own.uuid, TEMP_MAIL_DB: inbox.uuid }, 'both bindings reach the domain\'s own databases, not the service\'s')
    assert.deepEqual(own.migrations.map((m) => m.name), ['0001_mailboxes.sql'])
    assert.deepEqual(inbox.migrations, [], 'no migrations folder: nothing migrated')
    ids.add(own.uuid).add(inbox.uuid)
    assert.deepEqual([...worker.secrets.keys()], ['JWT_SECRET'], 'the secret .dev.vars.example declares, not clodo\'s ten')
  }
  assert.equal(ids.size, 4, 'no two domains share a database')
})

test('a domain whose upload is refused has neither its code nor its secrets live', async () => {
  const servicePath = exampleService()
  const domain = 'nosecrets.example.com'
  api.failNext({ method: 'PUT', path: /\/workers\/scripts\/data-service-nosecrets-example-com-staging$/, status: 400, code: 10021, message: 'Uncaught Error: boom', count: 3 })
  const result = await orchestrator(servicePath, [domain], { skipTests: true, standardSecrets: true }).deployPortfolio()
  const r = result.results[0]
  assert.equal(r.status, 'failed')
  assert.match(r.error, /^deployment: wrangler deploy failed: .*boom/)
  assert.equal(r.phaseResults.secrets.status, 'completed', 'the secrets were ready, in the store')
  // One upload carries both: no draft worker, no secret on Cloudflare, nothing of the service live.
  assert.equal(api.workers.has('data-service-nosecrets-example-com-staging'), false)
  const upload = api.requests.findLast((q) => q.method === 'PUT' && q.path.endsWith('/workers/scripts/data-service-nosecrets-example-com-staging'))
  assert.match(upload.body, /"name":"AUTH_JWT_SECRET","type":"secret_text"/, 'the secrets were in the refused upload')
  assert.equal(api.requests.some((q) => q.path.endsWith('/settings') && q.method === 'PATCH'), false, 'no separate secrets upload')
})

test('a deploy whose health check fails goes back to the version and database bookmark from before it', async () => {
  const servicePath = exampleService()
  const domains = ['rollback.example.net']
  const first = await orchestrator(servicePath, domains, { skipTests: true }).deployPortfolio()
  assert.equal(first.summary.successful, 1)
  const worker = api.workers.get('data-service-rollback-example-net-staging')
  const before = worker.deployments[0].versions

  writeFileSync(join(servicePath, 'migrations', '0003_flags.sql'), 'CREATE TABLE flags (name TEXT PRIMARY KEY);\n')
  const events = []
  // Its custom domain does not resolve from here, so /health fails after the deploy: a failed deploy.
  const second = await orchestrator(servicePath, domains, { onProgress: (e) => events.push(e) }).deployPortfolio()
  const r = second.results[0]
  assert.equal(r.status, 'failed')
  assert.match(r.error, /^post-validation: https:\/\/staging-data-service\.rollback\.example\.net\/health/)
  assert.equal(r.phaseResults.database.details.migrationsApplied, 1)
  assert.deepEqual(r.rollback.versions.map((v) => v.versionId), before.map((v) => v.version_id))
  assert.equal(r.rollback.status, 'completed')
  assert.equal(r.rollback.databaseRestored, true)

  assert.notEqual(r.phaseResults.deployment.details.versionId, before[0].version_id, 'a new version was deployed first')
  assert.deepEqual(worker.deployments[0].versions, before, 'the worker serves the recorded version again')
  const restore = api.requests.findLast((q) => q.path.endsWith('/time_travel/restore'))
  assert.ok(restore, 'the database went back to its bookmark')
  assert.equal(new URLSearchParams(restore.search).get('bookmark'), r.phaseResults.database.details.databases[0].bookmark)
  assert.deepEqual(events.filter((e) => e.phase === 'rollback').map((e) => e.status), ['started', 'completed'])
})

test('a new custom domain is given time to be provisioned before its health check counts, then fails saying so', async () => {
  const servicePath = exampleService()
  // Its custom domain never resolves from here: provisioning that never ends, cut to 2 s.
  writeFileSync(join(servicePath, 'clodo.json'), JSON.stringify({ provisioningTimeoutSeconds: 2 }))
  const started = Date.now()
  const result = await orchestrator(servicePath, ['brandnew.example.com']).deployPortfolio()
  const r = result.results[0]
  assert.equal(r.status, 'failed')
  assert.match(r.error, /^post-validation: https:\/\/staging-data-service\.brandnew\.example\.com: its new custom domain did not answer within 2 s of being attached \(DNS or certificate not provisioned yet\?\)/)
  assert.ok(r.phaseResults['post-validation'].durationMs >= 1500, 'it waited')
  assert.ok(Date.now() - started < 120_000)
})

test('a run stopped during its migrations resumes with the bookmark it took before them', async () => {
  const servicePath = exampleService()
  const domain = 'interrupted.example.com'
  const first = await orchestrator(servicePath, [domain], { skipTests: true }).deployPortfolio()
  assert.equal(first.summary.successful, 1)
  // As if stopped after taking its bookmark, while migrating: the phase is only marked started.
  const statePath = join(servicePath, '.clodo', 'deployments', `${first.deploymentId}.json`)
  const state = JSON.parse(readFileSync(statePath, 'utf8'))
  const run = state.domains[domain]
  const database = 'interrupted-example-com-staging-db'
  run.phases.database = { status: 'running', message: 'started', details: { bookmarks: { [database]: 'bookmark-from-before-0001' } }, finishedAt: '', durationMs: 0 }
  for (const later of ['secrets', 'deployment', 'post-validation']) delete run.phases[later]
  run.status = 'running'
  writeFileSync(statePath, JSON.stringify(state))
  const bookmarkRequests = () => api.requests.filter((q) => q.path.endsWith('/time_travel/bookmark')).length
  const before = bookmarkRequests()

  const resumed = await orchestrator(servicePath, [domain], { skipTests: true, resume: first.deploymentId }).deployPortfolio()
  const r = resumed.results[0]
  assert.equal(r.status, 'completed', r.error)
  const migrated = r.phaseResults.database.details.databases[0]
  assert.equal(migrated.bookmark, 'bookmark-from-before-0001', 'the bookmark from before the first migration is kept')
  assert.equal(migrated.interruptedBefore, true)
  assert.equal(bookmarkRequests(), before, 'no new bookmark is taken after migrations that may have run')
  assert.match(r.phaseResults.database.message, /an earlier, interrupted run may have applied some/)
})

test('executeRollback puts every deployed domain of the run back; a worker new in this run is left alone', async () => {
  const servicePath = exampleService()
  const domains = ['again.example.com', 'fresh.example.com']
  await orchestrator(servicePath, ['again.example.com'], { skipTests: true }).deployPortfolio()
  const earlier = api.workers.get('data-service-again-example-com-staging').deployments[0].versions

  const o = orchestrator(servicePath, domains, { skipTests: true })
  const run = await o.deployPortfolio()
  assert.equal(run.summary.successful, 2)
  const plan = o.getRollbackPlan()
  const again = plan.find((d) => d.domain === 'again.example.com').action
  assert.equal(again.type, 'rollback')
  assert.deepEqual(again.commands[0].slice(0, 4), ['wrangler', 'versions', 'deploy', `${earlier[0].version_id}@100%`])

  const rolled = await o.executeRollback({ reason: 'release withdrawn' })
  assert.equal(rolled.success, true)
  const byDomain = Object.fromEntries(rolled.results.map((x) => [x.domain, x.result]))
  assert.equal(byDomain['again.example.com'].status, 'completed')
  assert.equal(byDomain['fresh.example.com'].status, 'skipped')
  assert.deepEqual(api.workers.get('data-service-again-example-com-staging').deployments[0].versions, earlier)
})

test('remote mode without a token is refused before anything runs', async () => {
  const error = await rejection(new MultiDomainOrchestrator({ servicePath: exampleService(), domains: ['a.example.com'], local: false }).deployPortfolio())
  assert.equal(error.code, 'E_INVALID_INPUT')
  assert.match(error.message, /need a Cloudflare API token/)
})

test('CrossDomainCoordinator: a wave failing past rollbackThreshold is rolled back and later waves do not start', async () => {
  const { CrossDomainCoordinator } = clodo
  const servicePath = exampleService()
  // The same secrets as the run below: a rollback over secrets the run added would need forcing.
  await orchestrator(servicePath, ['good.example.com'], { skipTests: true, standardSecrets: true }).deployPortfolio()
  const good = api.workers.get('data-service-good-example-com-staging')
  const earlier = good.deployments[0].versions
  // bad is a new worker, and its upload (code and secrets in one) is refused by the API.
  api.failNext({ method: 'PUT', path: /\/workers\/scripts\/data-service-bad-example-com-staging$/, status: 400, code: 10021, message: 'Uncaught Error: boom at worker.js:1', count: 3 })

  const coordinator = new CrossDomainCoordinator({ servicePath, defaultEnvironment: 'staging', maxConcurrentDeployments: 2, skipTests: true,
    rollbackThreshold: 0.5, standardSecrets: true, wranglerPath, secretKey, cloudflareToken: token, cloudflareAccountId: accountId })
  const result = await coordinator.coordinateMultiDomainDeployment([
    { domain: 'good.example.com' },
    { domain: 'bad.example.com' },
    { domain: 'downstream.example.com', dependsOn: ['good.example.com'] },
  ])
  assert.deepEqual(result.waves, [['good.example.com', 'bad.example.com'], ['downstream.example.com']])
  assert.deepEqual(result.successful, [])
  assert.deepEqual(result.rolledBack, ['good.example.com'])
  assert.deepEqual(result.skipped, ['downstream.example.com'])
  const byDomain = Object.fromEntries(result.results.map((r) => [r.domain, r]))
  assert.match(byDomain['bad.example.com'].error, /^deployment: wrangler deploy failed: .*boom/)
  assert.equal(byDomain['good.example.com'].rollback.status, 'completed')
  assert.match(byDomain['downstream.example.com'].error, /wave 1 was rolled back \(1 of 2 failed, threshold 0.5\)/)
  assert.deepEqual(good.deployments[0].versions, earlier, 'good serves what it served before the run')
  assert.equal(api.workers.has('data-service-downstream-example-com-staging'), false)
})

test('a remote dry run plans every command, changes nothing on Cloudflare and writes no file', async () => {
  const servicePath = exampleService()
  const { readdirSync } = await import('node:fs')
  const files = readdirSync(servicePath, { recursive: true }).sort()
  const before = api.requests.length
  // No secret store key: a plan names the secrets and reads no store.
  const result = await orchestrator(servicePath, ['plan.example.com'], { dryRun: true, standardSecrets: true, secretKey: undefined }).deployPortfolio()
  const r = result.results[0]
  assert.equal(r.success, true, r.error)
  assert.equal(r.status, 'planned')
  // Every step but the upload is a request to Cloudflare's API; the upload is the one wrangler process.
  const commands = r.plan.filter((p) => p.command).map((p) => p.command.slice(1, 3).join(' '))
  assert.deepEqual(commands, ['deploy --message'])
  const requests = r.plan.filter((p) => p.api).map((p) => p.api.replace(/\/accounts\/<account>/, '').replace(/ \(.*\)$/, ''))
  assert.deepEqual(requests, [
    'GET /d1/database', 'GET /zones?status=active&account.id=<account>', 'GET /workers/scripts/data-service-plan-example-com-staging/deployments',
    'POST /d1/database/<plan-example-com-staging-db>/query',
  ])
  assert.ok(r.plan.some((p) => p.config?.routes?.[0]?.pattern === 'staging-data-service.plan.example.com'))
  assert.ok(r.plan.some((p) => p.secrets?.includes('AUTH_JWT_SECRET')))
  const writes = api.requests.slice(before).filter((q) => q.method !== 'GET')
  assert.deepEqual(writes, [])
  assert.deepEqual(readdirSync(servicePath, { recursive: true }).sort(), files)
})
