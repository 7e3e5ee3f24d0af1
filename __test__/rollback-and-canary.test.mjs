// Canary deploys, RollbackManager and the one-call static deploy, in remote
// mode: the real wrangler talks to the Cloudflare API stand-in in ./support
// (these machines cannot reach Cloudflare). A canary's health gate is a local
// HTTP server that answers for the version the request is pinned to.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, rejection, root, exampleService as exampleServiceCopy } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const { MultiDomainOrchestrator } = clodo
const { RollbackManager } = await import('clodo/deployment')
const token = 'canary-token'
const accountId = '0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f'
const api = cloudflareApiForTests({ token, accountId })
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const secretKey = '7e'.repeat(32)
const common = { environment: 'staging', wranglerPath, secretKey, cloudflareSettings: { token, accountId } }

const exampleService = () => exampleServiceCopy('clodo-canary-')

// The gate's stand-in for the worker: healthy or not, and what it saw.
const gate = { healthy: true, seen: [] }
let gateUrl
let server
before(async () => {
  server = http.createServer((req, res) => {
    gate.seen.push({ path: req.url, pin: req.headers['cloudflare-workers-version-overrides'], traffic: gate.traffic?.() })
    res.writeHead(gate.healthy ? 200 : 503).end(gate.healthy ? 'ok' : 'down')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  gateUrl = `http://127.0.0.1:${server.address().port}`
})
after(() => server.close())

async function deployedOnce(domain) {
  const servicePath = exampleService()
  const o = new MultiDomainOrchestrator({ servicePath, domains: [domain], skipTests: true, ...common })
  const first = await o.deployPortfolio()
  assert.equal(first.summary.successful, 1, JSON.stringify(first.results[0].error))
  return servicePath
}

test('a canary gets its share, is checked on its own version, then takes all traffic', async () => {
  const domain = 'canary.example.com'
  const servicePath = await deployedOnce(domain)
  const worker = api.workers.get('data-service-canary-example-com-staging')
  const stable = worker.deployments[0].versions[0].version_id
  gate.healthy = true
  gate.seen = []
  gate.traffic = () => worker.deployments[0].versions

  const o = new MultiDomainOrchestrator({ servicePath, domains: [domain], ...common })
  const result = await o.deploy(domain, { canary: { percent: 10, healthGate: { url: gateUrl } } })
  assert.equal(result.status, 'completed', result.error)
  const canary = result.phaseResults.deployment.details.versionId
  assert.notEqual(canary, stable)
  assert.deepEqual(gate.seen[0].traffic, [{ version_id: canary, percentage: 10 }, { version_id: stable, percentage: 90 }], 'checked while it had 10 %')
  assert.equal(gate.seen[0].path, '/health')
  assert.equal(gate.seen[0].pin, `data-service-canary-example-com-staging="${canary}"`)
  assert.deepEqual(worker.deployments[0].versions, [{ version_id: canary, percentage: 100 }])
  assert.equal(result.phaseResults['post-validation'].details.promoted, true)
})

test('a canary run resumed without its canary options still ends through its gate', async () => {
  const domain = 'resumed.example.com'
  const servicePath = await deployedOnce(domain)
  const worker = api.workers.get('data-service-resumed-example-com-staging')
  const stable = worker.deployments[0].versions[0].version_id
  gate.healthy = true
  gate.traffic = () => worker.deployments[0].versions
  const first = await new MultiDomainOrchestrator({ servicePath, domains: [domain], ...common }).deploy(domain, { canary: { percent: 10, healthGate: { url: gateUrl } } })
  assert.equal(first.status, 'completed', first.error)
  const canary = first.phaseResults.deployment.details.versionId

  // As if killed once the canary had its 10 %: the gate's phase unrecorded, the traffic split.
  const statePath = join(servicePath, '.clodo', 'deployments', `${first.deploymentId}.json`)
  const state = JSON.parse(readFileSync(statePath, 'utf8'))
  delete state.domains[domain].phases['post-validation']
  state.domains[domain].status = 'running'
  writeFileSync(statePath, JSON.stringify(state))
  worker.deployments.unshift({ ...worker.deployments[0], id: randomUUID(), versions: [{ version_id: canary, percentage: 10 }, { version_id: stable, percentage: 90 }] })
  gate.seen = []

  const resumed = await new MultiDomainOrchestrator({ servicePath, domains: [domain], resume: first.deploymentId, ...common }).deployPortfolio()
  assert.equal(resumed.results[0].status, 'completed', resumed.results[0].error)
  assert.equal(gate.seen[0]?.pin, `data-service-resumed-example-com-staging="${canary}"`, 'the saved gate checked the canary alone')
  assert.deepEqual(worker.deployments[0].versions, [{ version_id: canary, percentage: 100 }], 'promoted, not left split')
})

test('a canary failing its health gate is rolled back to the stable version', async () => {
  const domain = 'sickly.example.com'
  const servicePath = await deployedOnce(domain)
  const worker = api.workers.get('data-service-sickly-example-com-staging')
  const before = worker.deployments[0].versions
  gate.healthy = false
  gate.seen = []

  const o = new MultiDomainOrchestrator({ servicePath, domains: [domain], ...common })
  const result = await o.deploy(domain, { canary: { percent: 25, healthGate: { url: gateUrl } } })
  assert.equal(result.status, 'failed')
  assert.match(result.error, /failed its health gate/)
  assert.equal(result.rollback.status, 'completed')
  assert.deepEqual(worker.deployments[0].versions, before)
  assert.equal(worker.deployments[1].versions.length, 2, 'the split was live before the rollback')
})

test('a canary needs a deployed worker and a sensible share', async () => {
  const o = new MultiDomainOrchestrator({ servicePath: exampleService(), domains: ['new.example.com'], ...common })
  const share = await rejection(o.deploy('new.example.com', { canary: { percent: 100 } }))
  assert.equal(share.code, 'E_INVALID_INPUT')
  const fresh = await o.deploy('new.example.com', { canary: { percent: 10, healthGate: false } })
  assert.equal(fresh.status, 'failed')
  assert.match(fresh.error, /no deployed version to run a canary beside: deploy it once without canary first/)
})

test('RollbackManager: a plan taken before a deploy puts the worker back after it', async () => {
  const domain = 'manager.example.com'
  const servicePath = await deployedOnce(domain)
  const worker = api.workers.get('data-service-manager-example-com-staging')
  const earlier = worker.deployments[0].versions

  const manager = new RollbackManager({ servicePath, environment: 'staging', cloudflareToken: token, cloudflareAccountId: accountId, wranglerPath })
  const plan = await manager.createRollbackPlan([domain])
  assert.deepEqual(plan.points[0].versions, [{ versionId: earlier[0].version_id, percentage: 100 }])
  assert.deepEqual(plan.actions[0].commands[0].slice(0, 4), ['wrangler', 'versions', 'deploy', `${earlier[0].version_id}@100%`])

  await new MultiDomainOrchestrator({ servicePath, domains: [domain], skipTests: true, ...common }).deployPortfolio()
  assert.notDeepEqual(worker.deployments[0].versions, earlier)
  const done = await manager.executeRollback(plan, { reason: 'bad release' })
  assert.equal(done.success, true)
  assert.equal(done.completedActions, 1)
  assert.deepEqual(worker.deployments[0].versions, earlier)
  const posted = api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/workers/scripts/data-service-manager-example-com-staging/deployments')).at(-1)
  assert.equal(JSON.parse(posted.body).versions[0].version_id, earlier[0].version_id)

  const broken = await rejection(manager.executeRollback({ id: 'x', points: [{ nope: true }] }))
  assert.equal(broken.code, 'E_INVALID_INPUT')
})

test('the one-call static deploy resolves with the deployed domain, or rejects with Deployment failed', async () => {
  const servicePath = exampleService()
  const ok = await MultiDomainOrchestrator.deploy({ servicePath, domain: 'static.example.com', skipTests: true, wranglerPath, secretKey, environment: 'staging', credentials: { token, accountId } })
  assert.equal(ok.success, true)
  assert.deepEqual(ok.deployedDomains, ['static.example.com'])
  assert.ok(api.workers.get('data-service-static-example-com-staging'))

  writeFileSync(join(servicePath, 'migrations', '0003_broken.sql'), 'THIS_MIGRATION_FAILS;\n')
  const failed = await rejection(MultiDomainOrchestrator.deploy({ servicePath, domain: 'static.example.com', skipTests: true, wranglerPath, secretKey, environment: 'staging', credentials: { token, accountId } }))
  assert.equal(failed.code, 'E_DEPLOY_FAILED')
  assert.match(failed.message, /^Deployment failed: database: /)
})

test('clodo deploy --remote takes the token and account from the domain\'s customer record, and prints neither', async () => {
  const { spawn } = await import('node:child_process')
  const { mkdirSync, readdirSync, readFileSync, statSync } = await import('node:fs')
  const service = exampleService()
  mkdirSync(join(service, 'config', 'customers', 'shop'), { recursive: true })
  writeFileSync(join(service, 'config', 'customers', 'shop', 'staging.env'), `DOMAIN=records.example.com\nCLOUDFLARE_ACCOUNT_ID=${accountId}\nCLOUDFLARE_API_TOKEN=${token}\n`)
  const result = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'clodo.js'), 'deploy', service, '--remote', '--env', 'staging', '--no-tests', '--json'], {
      env: { ...process.env, CLOUDFLARE_API_TOKEN: '', CLOUDFLARE_ACCOUNT_ID: '', CLODO_SECRET_KEY: secretKey },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => { stdout += c })
    child.stderr.on('data', (c) => { stderr += c })
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const document = JSON.parse(result.stdout)
  assert.deepEqual(document.runs[0].summary.successful, ['records.example.com'])
  assert.ok(api.workers.get('data-service-records-example-com-staging'), 'deployed to the record\'s account')
  assert.equal(result.stdout.includes(token) || result.stderr.includes(token), false)
  const files = readdirSync(join(service, '.clodo'), { recursive: true }).map((f) => join(service, '.clodo', f)).concat(join(service, 'logs', 'deployment-audit.log'))
  for (const file of files.filter((f) => statSync(f).isFile())) assert.equal(readFileSync(file, 'latin1').includes(token), false, `token in ${file}`)
})
