// Secrets belong to Worker versions: Cloudflare refuses to deploy an older
// version whose secrets changed since it was active (code 10220) unless
// forced. clodo sends a domain's secrets with its code in one upload, so a
// canary's stable side stays deployable after a secret rotation, and a
// rollback over changed secrets is forced only when the user chose so. The
// real wrangler talks to the strict API stand-in in ./support.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { join } from 'node:path'
import { clodo, root, exampleService as exampleServiceCopy } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const { MultiDomainOrchestrator, EnhancedSecretManager } = clodo
const token = 'versions-token'
const accountId = '7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d'
const api = cloudflareApiForTests({ token, accountId })
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const secretKey = '3c'.repeat(32)
const common = { environment: 'staging', wranglerPath, secretKey, standardSecrets: true, cloudflareSettings: { token, accountId } }

// The canary's health gate: a local server standing in for the worker.
const gate = { healthy: true }
let gateUrl
let server
before(async () => {
  server = http.createServer((req, res) => res.writeHead(gate.healthy ? 200 : 503).end(gate.healthy ? 'ok' : 'down'))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  gateUrl = `http://127.0.0.1:${server.address().port}`
})
after(() => server.close())

/** Rotates the domain's JWT secret in the store (not on Cloudflare); the new value. */
async function rotate(servicePath, domain) {
  const secrets = new EnhancedSecretManager({ projectRoot: servicePath, secretKey })
  await secrets.rotateSecrets(domain, 'staging', ['AUTH_JWT_SECRET'], { deploy: false })
  return (await secrets.loadDomainSecrets(domain, 'staging')).secrets.AUTH_JWT_SECRET
}

/** A service deployed once to `domain`, then its JWT secret rotated. */
async function deployedThenRotated(domain) {
  const servicePath = exampleServiceCopy('clodo-versions-')
  const first = await new MultiDomainOrchestrator({ servicePath, domains: [domain], skipTests: true, ...common }).deployPortfolio()
  assert.equal(first.summary.successful, 1, JSON.stringify(first.results[0].error))
  return { servicePath, rotated: await rotate(servicePath, domain) }
}

const versionOf = (worker, id) => worker.versions.find((v) => v.id === id)
const forced = () => api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/deployments') && r.search.includes('force=true'))

test('a canary after a secret rotation: the new version carries the new secret and the stable one stays beside it', async () => {
  const domain = 'rotate-canary.example.com'
  const { servicePath, rotated } = await deployedThenRotated(domain)
  const worker = api.workers.get('data-service-rotate-canary-example-com-staging')
  const stable = worker.deployments[0].versions[0].version_id
  const oldSecret = versionOf(worker, stable).secrets.get('AUTH_JWT_SECRET')
  const forcedBefore = forced().length
  gate.healthy = true

  const result = await new MultiDomainOrchestrator({ servicePath, domains: [domain], ...common }).deploy(domain, { canary: { percent: 20, healthGate: { url: gateUrl } } })
  assert.equal(result.status, 'completed', result.error)
  const canary = result.phaseResults.deployment.details.versionId
  assert.deepEqual(worker.deployments[1].versions, [{ version_id: canary, percentage: 20 }, { version_id: stable, percentage: 80 }], 'the split was accepted')
  assert.deepEqual(worker.deployments[0].versions, [{ version_id: canary, percentage: 100 }])
  assert.equal(versionOf(worker, canary).secrets.get('AUTH_JWT_SECRET'), rotated, 'the new version has the new secret')
  assert.equal(versionOf(worker, stable).secrets.get('AUTH_JWT_SECRET'), oldSecret, 'the stable version kept its own')
  assert.equal(worker.versions.filter((v) => v.annotations['workers/triggered_by'] === 'secret').length, 0, 'no version of the old code with the new secrets')
  assert.equal(forced().length, forcedBefore, 'nothing forced')
})

test('a canary after a secret rotation that fails its gate goes back to the stable version without forcing', async () => {
  const domain = 'rotate-sick.example.com'
  const { servicePath } = await deployedThenRotated(domain)
  const worker = api.workers.get('data-service-rotate-sick-example-com-staging')
  const before = worker.deployments[0].versions
  const forcedBefore = forced().length
  gate.healthy = false

  const result = await new MultiDomainOrchestrator({ servicePath, domains: [domain], ...common }).deploy(domain, { canary: { percent: 20, healthGate: { url: gateUrl } } })
  assert.equal(result.status, 'failed')
  assert.equal(result.rollback.status, 'completed', JSON.stringify(result.rollback))
  assert.deepEqual(worker.deployments[0].versions, before)
  assert.equal(forced().length, forcedBefore, 'the stable version was live beside the canary: nothing to force')
})

test('a deploy after a secret rotation whose check fails: the rollback is refused, naming the secret, unless forcing was chosen', async () => {
  const domain = 'rotate-direct.example.com'
  const { servicePath } = await deployedThenRotated(domain)
  const worker = api.workers.get('data-service-rotate-direct-example-com-staging')
  const earlier = worker.deployments[0].versions
  // Its custom domain does not resolve from here: the check after the deploy fails.
  const refused = await new MultiDomainOrchestrator({ servicePath, domains: [domain], ...common }).deployPortfolio()
  const r = refused.results[0]
  assert.equal(r.status, 'failed')
  assert.equal(r.rollback.status, 'failed')
  assert.match(r.rollback.message, /secrets changed since .* \(AUTH_JWT_SECRET\) \[code: 10220\]\. .*forceSecretRollback/)
  const live = worker.deployments[0].versions
  assert.notDeepEqual(live, earlier, 'the new version stays: Cloudflare refused and clodo did not force')
  assert.equal(live[0].version_id, r.phaseResults.deployment.details.versionId)

  await rotate(servicePath, domain)
  const chosen = await new MultiDomainOrchestrator({ servicePath, domains: [domain], forceSecretRollback: true, ...common }).deployPortfolio()
  const c = chosen.results[0]
  assert.equal(c.status, 'failed')
  assert.equal(c.rollback.status, 'completed', JSON.stringify(c.rollback))
  assert.equal(c.rollback.secretsForced, true)
  assert.match(c.rollback.message, /with the secrets it had then \(forced\)/)
  assert.deepEqual(worker.deployments[0].versions.map((v) => v.version_id), live.map((v) => v.version_id), 'back to what served before this run')
  assert.ok(forced().some((q) => q.path.endsWith('/workers/scripts/data-service-rotate-direct-example-com-staging/deployments')))
})
