// Each domain's own KV namespaces, R2 buckets and queues (issue 18): a
// service binding them gets the domain's own in every rendered config. Locally
// (the real wrangler's local mode, through the run's helper) each domain's
// worker writes and reads its own and sees no other domain's data; remotely
// (the real wrangler against the API stand-in) each is created once through
// Cloudflare's API with its real id, reused by name on the next run, bound in
// the uploaded worker, and a dry run creates nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, project, root, runCliAsync } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const { MultiDomainOrchestrator } = clodo
const token = 'tenant-storage-token'
const accountId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
const api = cloudflareApiForTests({ token, accountId })
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')

/**
 * A service with a KV namespace, an R2 bucket and a queue it produces to and consumes. Its health check leaves a
 * key, an object and a message naming the domain, waits for its consumer to record the message, and answers with
 * everything it can see.
 */
function storageService() {
  return project({
    'wrangler.toml': `name = "tenant-store"
main = "src/worker.mjs"
compatibility_date = "2025-01-01"

[[kv_namespaces]]
binding = "CACHE"
id = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
preview_id = "preview-cache"

[[r2_buckets]]
binding = "FILES"
bucket_name = "tenant-store-files"

[[queues.producers]]
binding = "JOBS"
queue = "tenant-store-jobs"

[[queues.consumers]]
queue = "tenant-store-jobs"
max_batch_size = 1
max_batch_timeout = 1
`,
    'clodo.json': '{ "health": { "path": "/health", "expect": "\\"ok\\":true" } }\n',
    'src/worker.mjs': `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== '/health') return new Response('not found', { status: 404 })
    await env.CACHE.put('visit:' + env.DOMAIN, 'yes')
    await env.FILES.put('visits/' + env.DOMAIN + '.txt', env.DOMAIN)
    await env.JOBS.send({ domain: env.DOMAIN })
    let queued = []
    for (let waited = 0; queued.length === 0 && waited < 8000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      queued = (await env.CACHE.list({ prefix: 'queued:' })).keys.map((k) => k.name)
    }
    const keys = (await env.CACHE.list()).keys.map((k) => k.name).sort()
    const objects = (await env.FILES.list()).objects.map((o) => o.key).sort()
    return Response.json({ ok: true, domain: env.DOMAIN, keys, objects })
  },
  async queue(batch, env) {
    for (const message of batch.messages) await env.CACHE.put('queued:' + message.body.domain, 'yes')
  },
}
`,
  })
}

const rendered = (service, domain, env) => JSON.parse(readFileSync(join(service, '.clodo', 'rendered', domain, env, 'wrangler.json'), 'utf8'))

test("locally each domain's worker keeps its own KV, R2 and queue, and sees no other domain's", async () => {
  const servicePath = storageService()
  const domains = ['north.example.com', 'south.example.com', 'east.example.com']
  const result = await new MultiDomainOrchestrator({ servicePath, domains, environment: 'development', wranglerPath }).deployPortfolio()
  assert.equal(result.summary.successful, 3, JSON.stringify(result.results.map((r) => r.error)))
  for (const r of result.results) {
    const body = JSON.parse(r.phaseResults['post-validation'].details.health.bodyExcerpt)
    assert.deepEqual(body.keys, [`queued:${r.domain}`, `visit:${r.domain}`], 'its key, and the message its own consumer took off its own queue')
    assert.deepEqual(body.objects, [`visits/${r.domain}.txt`])
    const config = rendered(servicePath, r.domain, 'development')
    const dashed = r.domain.replaceAll('.', '-')
    assert.deepEqual(config.kv_namespaces, [{ binding: 'CACHE', id: `${dashed}-development-cache` }], 'the preview namespace is not the domain\'s')
    assert.equal(config.r2_buckets[0].bucket_name, `${dashed}-development-files`)
    assert.equal(config.queues.producers[0].queue, `${dashed}-development-tenant-store-jobs`)
    assert.equal(config.queues.consumers[0].queue, config.queues.producers[0].queue)
    assert.match(r.phaseResults.initialization.message, new RegExp(`KV CACHE → ${dashed}-development-cache, R2 FILES → ${dashed}-development-files, QUEUE JOBS → ${dashed}-development-tenant-store-jobs`))
  }
})

test('remotely each domain gets its own namespace, bucket and queue, created once with real ids and reused by name; a dry run creates none', async () => {
  const servicePath = storageService()
  const domains = ['shop.example.com', 'blog.example.org']
  const orchestrator = (extra = {}) => new MultiDomainOrchestrator({
    servicePath, serviceName: 'tenant-store', domains, environment: 'staging', wranglerPath, skipTests: true, secretKey: '7c'.repeat(32), cloudflareSettings: { token, accountId }, ...extra,
  })

  const planned = await orchestrator({ dryRun: true }).deployPortfolio()
  assert.equal(api.namespaces.size + api.buckets.size + api.queues.size, 0, 'a dry run creates nothing')
  const plan = planned.results[0].plan.filter((p) => p.resource).map((p) => `${p.resource} ${p.name}`)
  assert.deepEqual(plan, ['kv shop-example-com-staging-cache', 'r2 shop-example-com-staging-files', 'queue shop-example-com-staging-tenant-store-jobs'])

  const first = await orchestrator().deployPortfolio()
  assert.equal(first.summary.successful, 2, JSON.stringify(first.results.map((r) => r.error)))
  assert.equal(api.namespaces.size, 2)
  for (const r of first.results) {
    const dashed = r.domain.replaceAll('.', '-')
    const namespace = [...api.namespaces.values()].find((n) => n.title === `${dashed}-staging-cache`)
    assert.ok(namespace, 'its own namespace was created')
    assert.ok(api.buckets.has(`${dashed}-staging-files`))
    const queue = [...api.queues.values()].find((q) => q.queue_name === `${dashed}-staging-tenant-store-jobs`)
    const workerName = `tenant-store-${dashed}-staging`
    assert.deepEqual(queue.consumers.map((c) => c.script), [workerName], 'consumed by its own worker only')

    assert.equal(rendered(servicePath, r.domain, 'staging').kv_namespaces[0].id, namespace.id, 'the real id is in the rendered config')
    const worker = api.workers.get(workerName)
    const bindings = worker.versions[0].resources.bindings
    assert.equal(bindings.find((b) => b.name === 'CACHE').namespace_id, namespace.id)
    assert.equal(bindings.find((b) => b.name === 'FILES').bucket_name, `${dashed}-staging-files`)
    assert.equal(bindings.find((b) => b.name === 'JOBS').queue_name, queue.queue_name)
    assert.deepEqual(r.phaseResults.initialization.details.resourcesCreated.length, 3)
  }

  const second = await orchestrator().deployPortfolio()
  assert.equal(second.summary.successful, 2)
  assert.equal(api.namespaces.size + api.buckets.size + api.queues.size, 6, 'reused by name, nothing created again')
  for (const r of second.results) assert.equal(r.phaseResults.initialization.details.resourcesCreated, undefined)
})

test('clodo resources list shows what each domain uses and, remotely, whether it exists yet', async () => {
  const servicePath = storageService()
  const env = { CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_ACCOUNT_ID: accountId, CLOUDFLARE_API_BASE_URL: api.baseUrl }
  const list = async (...extra) => {
    const run = await runCliAsync(['resources', 'list', '--path', servicePath, '--env', 'production', '--domain', 'new.example.com', ...extra, '--json'], env)
    assert.equal(run.code, 0, run.stderr)
    return JSON.parse(run.stdout).services[0].domains[0].resources.map((r) => [r.kind, r.binding, r.name, r.exists])
  }
  assert.deepEqual(await list('--remote'), [
    ['kv', 'CACHE', 'new-example-com-production-cache', false],
    ['r2', 'FILES', 'new-example-com-production-files', false],
    ['queue', 'JOBS', 'new-example-com-production-tenant-store-jobs', false],
  ])
  const deployed = await new MultiDomainOrchestrator({
    servicePath, serviceName: 'tenant-store', domains: ['new.example.com'], environment: 'production', wranglerPath, skipTests: true, secretKey: '7c'.repeat(32), cloudflareSettings: { token, accountId },
  }).deployPortfolio()
  assert.equal(deployed.summary.successful, 1, JSON.stringify(deployed.results.map((r) => r.error)))
  assert.deepEqual((await list('--remote')).map((r) => r[3]), [true, true, true])
  assert.deepEqual((await list()).map((r) => r[3]), [undefined, undefined, undefined], 'locally nothing is looked up')
  const text = await runCliAsync(['resources', 'list', '--path', servicePath, '--domain', 'new.example.com'], env)
  assert.match(text.stdout, /new\.example\.com +kv +CACHE +new-example-com-development-cache +local/)
})
