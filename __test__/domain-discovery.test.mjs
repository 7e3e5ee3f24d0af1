// DomainDiscovery, ConfigurationCacheManager and `clodo discover` against the
// Cloudflare API stand-in in ./support (these machines cannot reach
// Cloudflare): real zones, accounts, D1 databases and workers, cached on disk.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clodo, rejection, root, exampleService } from './helpers.mjs'
import { cloudflareApiForTests, newDatabase, newWorker } from './support/cloudflare-api.mjs'

const { DomainDiscovery, ConfigurationCacheManager } = clodo
const token = 'discovery-token'
const accountId = '9f8e7d6c5b4a39281706f5e4d3c2b1a0'
const api = cloudflareApiForTests({ token, accountId, zones: ['example.com', 'shop.net'] })

function seed() {
  if (api.databases.size > 0) return
  const uuid = '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b'
  api.databases.set(uuid, newDatabase('shop-example-com-production-db', uuid))
  api.databases.set('other', newDatabase('unrelated-db', 'other'))
  api.workers.set('data-service-shop-example-com', newWorker('data-service-shop-example-com'))
}

test('DomainDiscovery lists the zones and finds the zone of a host or of its parent', async () => {
  const discovery = new DomainDiscovery({ apiToken: token })
  assert.equal(await discovery.initializeDiscovery(), true)
  assert.deepEqual(await discovery.getDomains(), ['example.com', 'shop.net'])
  const zones = await discovery.discoverDomains()
  assert.deepEqual(zones[0], { name: 'example.com', id: zones[0].id, status: 'active', accountId })
  const api1 = await discovery.validateDomain('api.example.com')
  assert.deepEqual({ found: api1.found, zoneName: api1.zoneName, zoneId: api1.zoneId }, { found: true, zoneName: 'example.com', zoneId: zones[0].id })
  assert.equal(await discovery.checkDomainExists('other.org'), false)
  assert.equal((await discovery.validateDomain('not a domain')).valid, false)
  const denied = await rejection(new DomainDiscovery({ apiToken: 'wrong' }).initializeDiscovery())
  assert.equal(denied.code, 'E_AUTH')
  assert.match(denied.message, /answered 401: Invalid API Token \[code: 1000\]/)
})

test('ConfigurationCacheManager discovers real ids, serves them from disk until the TTL, and invalidates', async () => {
  seed()
  const projectRoot = mkdtempSync(join(tmpdir(), 'clodo-cache-'))
  const cache = new ConfigurationCacheManager({ projectRoot, cloudflareToken: token })
  const before = api.requests.length
  const config = await cache.getOrCreateDomainConfig('shop.example.com', { environment: 'production' })
  assert.equal(config.accountId, accountId)
  assert.equal(config.cloudflare.zoneName, 'example.com')
  assert.deepEqual(config.databases.production, { name: 'shop-example-com-production-db', id: '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b' })
  assert.equal(config.databases.staging, null, 'no database, no made-up id')
  assert.deepEqual(config.workers, ['data-service-shop-example-com'])
  assert.deepEqual(readdirSync(join(projectRoot, '.clodo', 'cache')), ['shop.example.com__production.json'])
  const asked = api.requests.length
  assert.ok(asked > before)

  assert.deepEqual(await cache.getOrCreateDomainConfig('shop.example.com', { environment: 'production' }), config)
  assert.equal(api.requests.length, asked, 'the second answer came from the cache')
  const stats = cache.getCacheStatistics()
  assert.deepEqual([stats.entries, stats.metrics.cacheHits, stats.metrics.cacheMisses, stats.hitRate], [1, 1, 1, 50])

  assert.equal(cache.invalidateCache('shop.example.com'), 1)
  const short = new ConfigurationCacheManager({ projectRoot, cloudflareToken: token, cacheTTL: 1 })
  await short.getOrCreateDomainConfig('shop.example.com')
  await new Promise((resolve) => setTimeout(resolve, 5))
  const count = api.requests.length
  await short.getOrCreateDomainConfig('shop.example.com')
  assert.ok(api.requests.length > count, 'an expired entry is discovered again')

  const missing = await rejection(cache.getOrCreateDomainConfig('shop.unknown.org'))
  assert.equal(missing.code, 'E_NOT_FOUND')
  assert.match(missing.message, /No active Cloudflare zone for shop\.unknown\.org/)
  assert.equal(existsSync(join(projectRoot, '.clodo', 'cache', 'shop.unknown.org__production.json')), false)
  const noToken = await rejection(new ConfigurationCacheManager({ projectRoot: mkdtempSync(join(tmpdir(), 'clodo-cache-')) }).discoverDomainConfiguration('x.example.com', { cloudflareToken: '' }))
  assert.match(noToken.message, /needs a Cloudflare API token/)
})

test('clodo discover: the services here that have the domain, and what Cloudflare knows', async () => {
  seed()
  const service = exampleService('clodo-discover-')
  const run = (env) => new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'clodo.js'), 'discover', 'shop.example.com', '--path', service, '--env', 'development', '--json'], { env: { ...process.env, ...env } })
    let stdout = ''
    child.stdout.on('data', (c) => { stdout += c })
    child.on('exit', (code) => resolve({ code, document: JSON.parse(stdout) }))
  })
  const offline = await run({ CLOUDFLARE_API_TOKEN: '' })
  assert.equal(offline.code, 0)
  assert.deepEqual(offline.document.local.map((l) => [l.service, l.foundIn]), [['data-service', 'customer:shop']])
  assert.equal(offline.document.cloudflare, null)
  const online = await run({ CLOUDFLARE_API_TOKEN: token })
  assert.equal(online.code, 0)
  assert.equal(online.document.cloudflare.accountId, accountId)
  assert.ok(existsSync(join(service, '.clodo', 'cache', 'shop.example.com__development.json')))
})

test('the subpaths export the new classes for import and require', async () => {
  const { createRequire } = await import('node:module')
  const require = createRequire(import.meta.url)
  assert.equal(require('clodo/utils/cloudflare').DomainDiscovery, DomainDiscovery)
  assert.equal((await import('clodo/utils/cloudflare')).DomainDiscovery, DomainDiscovery)
  assert.equal((await import('clodo/utils/deployment')).ConfigurationCacheManager, ConfigurationCacheManager)
  assert.equal(require('clodo/service-management/create').createService, require('clodo/service-management').createService)
  assert.equal((await import('clodo/service-management')).ServiceCreator, clodo.ServiceCreator)
  assert.equal((await import('clodo/deployment')).RollbackManager, clodo.RollbackManager)
  assert.equal(typeof (await import('clodo/worker')).initializeService, 'function')
})
