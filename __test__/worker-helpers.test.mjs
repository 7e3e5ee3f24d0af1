// clodo/worker: the in-worker helpers, checked in Node for their rules and
// inside the real `wrangler dev` (workerd) for what a deployed worker does.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { project, root, startWranglerDev } from './helpers.mjs'
import { createDomainConfigSchema, validateDomainConfig, getDomainFromEnv, FeatureFlagManager } from 'clodo/worker'

const account = 'a'.repeat(32)
const zone = 'b'.repeat(32)

test('a domain configuration is checked field by field, every problem named at once', () => {
  const schema = createDomainConfigSchema()
  assert.deepEqual(Object.keys(schema.domains), ['production', 'staging', 'development'])
  assert.equal(validateDomainConfig({ ...schema, name: 'shop', accountId: account, zoneId: zone, domains: { production: 'shop.example.com' } }), true)
  assert.throws(() => validateDomainConfig({ ...schema, name: 'shop', accountId: 'ACCOUNT', zoneId: '', domains: { production: 'not a host' } }), (e) => {
    assert.deepEqual(e.problems, [
      'zoneId is required',
      'accountId must be a Cloudflare id (32 lowercase hex characters), got "ACCOUNT"',
      'domains.production is not a host name: "not a host"',
    ])
    assert.match(e.message, /^Invalid domain configuration shop: zoneId is required; /)
    return true
  })
})

test('a worker gets its own domain\'s configuration, never another\'s, and flags are off unless set', () => {
  const configs = { shop: { name: 'shop', domains: { production: 'shop.example.com' } }, blog: { name: 'blog', domains: { production: 'blog.example.org' } } }
  assert.equal(getDomainFromEnv({ DOMAIN: 'blog.example.org' }, configs).name, 'blog')
  assert.throws(() => getDomainFromEnv({ DOMAIN: 'other.example.net' }, configs), /No domain configuration for other\.example\.net: known are shop, blog/)
  assert.equal(getDomainFromEnv({ DOMAIN: 'other.example.net' }, { ...configs, default: { name: 'fallback' } }).name, 'fallback')
  const flags = new FeatureFlagManager({ SEARCH: true })
  assert.equal(flags.isEnabled('UNKNOWN'), false)
  assert.equal(flags.withFeature('BETA', () => 'new'), undefined, 'a disabled feature without a legacy path does not run')
  assert.equal(flags.withFeature('SEARCH', () => 'new', () => 'old'), 'new')
})

// A worker using the helpers, served by workerd through `wrangler dev`.
let dev
before(async () => {
  const dir = project({
    'wrangler.toml': `name = "helpers"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n\n[vars]\nDOMAIN = "shop.example.com"\nENVIRONMENT = "staging"\nFEATURE_REPORTS = "false"\n`,
  })
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'index.js'), `
import * as helpers from ${JSON.stringify(join(root, 'worker', 'index.mjs'))}
const { initializeService, createFeatureGuard, createCorsMiddleware, createErrorHandler, createRateLimitGuard, createRouteGuard, createEnvironmentGuard, composeMiddleware, configManager } = helpers
const domains = { shop: { name: 'shop', domains: { staging: 'shop.example.com' }, features: { SEARCH: true, REPORTS: true } } }
const search = createFeatureGuard('SEARCH')(() => new Response('search results'))
const reports = createFeatureGuard('REPORTS')(() => new Response('reports'))
const api = composeMiddleware(
  createErrorHandler({ logErrors: false }),
  createCorsMiddleware({ origins: ['https://app.example.com'] }),
  createRateLimitGuard({ maxRequests: 2, windowMs: 60000 }),
)((request) => (new URL(request.url).searchParams.has('boom') ? Promise.reject(new Error('database unreachable')) : new Response('api')))
const exportsSeen = () => Object.keys(helpers).sort()
const admin = createRouteGuard({ SEARCH: true, ADMIN: true })(() => new Response('admin'))
const onlyProduction = createEnvironmentGuard(['production'])(() => new Response('production only'))
export default {
  async fetch(request, env, ctx) {
    const service = initializeService(env, domains)
    const { pathname } = new URL(request.url)
    if (pathname === '/health') return Response.json({ domain: service.domain, environment: service.environment, host: service.config.currentDomain, features: service.features, configFeatures: configManager.getEnabledFeatures(), exports: exportsSeen() })
    if (pathname === '/search') return search(request, env, ctx)
    if (pathname === '/api') return api(request, env, ctx)
    if (pathname === '/admin') return admin(request, env, ctx)
    if (pathname === '/production') return onlyProduction(request, env, ctx)
    return reports(request, env, ctx)
  },
}
`)
  dev = await startWranglerDev(join(dir, 'wrangler.toml'), dir)
})
after(() => dev?.stop())

test('inside workerd: the service context comes from the vars, guards follow the domain\'s flags and FEATURE_ vars', async () => {
  const { exports, ...health } = await (await fetch(`${dev.base}/health`)).json()
  assert.deepEqual(health, { domain: 'shop', environment: 'staging', host: 'shop.example.com', features: ['SEARCH'], configFeatures: ['SEARCH'] })
  for (const name of ['COMMON_FEATURES', 'configManager', 'createCorsMiddleware', 'createErrorHandler', 'createRateLimitGuard', 'createRouteGuard', 'createEnvironmentGuard', 'composeMiddleware']) {
    assert.ok(exports.includes(name), `${name} is bundled into the worker`)
  }
  const search = await fetch(`${dev.base}/search`)
  assert.equal(search.status, 200)
  assert.equal(await search.text(), 'search results')
  const reports = await fetch(`${dev.base}/reports`)
  assert.equal(reports.status, 404, 'FEATURE_REPORTS = "false" turns the domain\'s flag off')
  assert.deepEqual(await reports.json(), { error: 'Feature not available', feature: 'REPORTS', message: 'The REPORTS feature is not enabled for this domain' })
})

test('inside workerd: CORS, the error handler, the rate limit, route and environment guards answer as their options say', async () => {
  const allowed = { headers: { Origin: 'https://app.example.com', 'CF-Connecting-IP': '203.0.113.7' } }
  const preflight = await fetch(`${dev.base}/api`, { method: 'OPTIONS', ...allowed })
  assert.equal(preflight.status, 200)
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com')
  assert.equal(preflight.headers.get('access-control-max-age'), '86400')
  const stranger = await fetch(`${dev.base}/api`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.net' } })
  assert.equal(stranger.status, 403)
  await stranger.text()

  const first = await fetch(`${dev.base}/api`, allowed)
  assert.equal(await first.text(), 'api')
  assert.equal(first.headers.get('access-control-allow-origin'), 'https://app.example.com', 'an allowed origin gets the CORS headers')
  assert.equal(first.headers.get('vary'), 'Origin')
  const failing = await fetch(`${dev.base}/api?boom`, allowed)
  assert.equal(failing.status, 500)
  assert.deepEqual(await failing.json(), { error: 'Internal Server Error', message: 'database unreachable' })
  const limited = await fetch(`${dev.base}/api`, allowed)
  assert.equal(limited.status, 429, 'the third request of this client in the window')
  assert.ok(Number(limited.headers.get('retry-after')) > 0)
  assert.equal((await limited.json()).error, 'Too many requests')
  const other = await fetch(`${dev.base}/api`, { headers: { Origin: 'https://app.example.com', 'CF-Connecting-IP': '203.0.113.8' } })
  assert.equal(other.status, 200, 'another client has its own count')
  await other.text()

  const admin = await fetch(`${dev.base}/admin`)
  assert.equal(admin.status, 403)
  assert.deepEqual(await admin.json(), { error: 'Feature required', feature: 'ADMIN', message: 'This endpoint requires the ADMIN feature' })
  const production = await fetch(`${dev.base}/production`)
  assert.equal(production.status, 404, 'ENVIRONMENT is staging')
  await production.text()
})
