// ProductionTester: real HTTP against a real `wrangler dev` serving a worker,
// a stopped port, and a server that comes up late (propagation).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, freePort, project, startWranglerDev } from './helpers.mjs'

const { ProductionTester } = clodo
let dev
let base

const WORKER = `export default {
  async fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/health') return Response.json({ status: 'ok' })
    if (pathname === '/broken') return new Response('database unavailable', { status: 500 })
    return new Response('items: 3')
  },
}
`

before(async () => {
  const dir = project({ 'wrangler.toml': 'name = "probe"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n' })
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'index.js'), WORKER)
  dev = await startWranglerDev(join(dir, 'wrangler.toml'), dir)
  base = dev.base
})

after(() => {
  dev?.stop()
})

test('a worker served by wrangler dev passes, with per-check results and latency percentiles', async () => {
  const result = await new ProductionTester().runProductionTests(base, { endpoints: ['/api/items'], deadlineMs: 10_000 })
  assert.equal(result.passed, true, JSON.stringify(result.checks))
  assert.deepEqual(result.checks.map((c) => [c.name, c.statusCode, c.passed]), [['health', 200, true], ['/api/items', 200, true]])
  assert.equal(result.checks[0].bodyExcerpt, '{"status":"ok"}')
  assert.ok(result.latency.p50 > 0 && result.latency.p95 >= result.latency.p50 && result.latency.max >= result.latency.p95)
  assert.deepEqual(result.summary, { total: 2, passed: 2, failed: 0 })
  const health = await new ProductionTester().healthCheck(`${base}/health`)
  assert.equal(health.healthy, true)
})

test('a 500 from the worker fails the run, with the status and the body as the reason', async () => {
  const result = await new ProductionTester({ retries: 2 }).runProductionTests(base, { endpoints: ['/broken'], deadlineMs: 5000 })
  assert.equal(result.passed, false)
  const broken = result.checks.find((c) => c.name === '/broken')
  assert.equal(broken.passed, false)
  assert.equal(broken.statusCode, 500)
  assert.equal(broken.attempts, 2)
  assert.equal(broken.error, 'expected 2xx, got 500')
  assert.equal(broken.bodyExcerpt, 'database unavailable')
  const legacy = await new ProductionTester({ retries: 1 }).runTests({ url: base, endpoints: ['/broken'] })
  assert.equal(legacy.passed, false)
  assert.equal(legacy.summary, '1 of 2 checks passed')
})

test('a stopped port fails with the connection error, within the deadline', async () => {
  const port = await freePort()
  const started = Date.now()
  const result = await new ProductionTester({ retries: 50 }).runProductionTests(`http://127.0.0.1:${port}`, { deadlineMs: 1500 })
  assert.equal(result.passed, false)
  assert.match(result.checks[0].error, /Connection refused|ECONNREFUSED|connect/i)
  assert.ok(result.checks[0].attempts > 1)
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
})

test('a deployment that is still propagating is waited for by retrying, not by a fixed sleep', async () => {
  const readyAt = Date.now() + 700
  const server = createServer((req, res) => {
    res.statusCode = Date.now() < readyAt ? 503 : 200
    res.end(res.statusCode === 200 ? 'ok' : 'not yet')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const result = await new ProductionTester({ retries: 10 }).runProductionTests(`http://127.0.0.1:${server.address().port}`, { deadlineMs: 10_000 })
    assert.equal(result.passed, true)
    assert.ok(result.checks[0].attempts > 1)
    assert.ok(result.durationMs < 5000)
  } finally {
    server.close()
  }
})

test('bad URLs are refused', async () => {
  for (const url of ['ftp://x.example.com', 'shop.example.com', 'http://a b']) {
    await assert.rejects(new ProductionTester().runProductionTests(url), { code: 'E_INVALID_INPUT' })
  }
})
