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
import { initializeService, createFeatureGuard } from ${JSON.stringify(join(root, 'worker', 'index.mjs'))}
const domains = { shop: { name: 'shop', domains: { staging: 'shop.example.com' }, features: { SEARCH: true, REPORTS: true } } }
const search = createFeatureGuard('SEARCH')(() => new Response('search results'))
const reports = createFeatureGuard('REPORTS')(() => new Response('reports'))
export default {
  async fetch(request, env, ctx) {
    const service = initializeService(env, domains)
    const { pathname } = new URL(request.url)
    if (pathname === '/health') return Response.json({ domain: service.domain, environment: service.environment, host: service.config.currentDomain, features: service.features })
    if (pathname === '/search') return search(request, env, ctx)
    return reports(request, env, ctx)
  },
}
`)
  dev = await startWranglerDev(join(dir, 'wrangler.toml'), dir)
})
after(() => dev?.stop())

test('inside workerd: the service context comes from the vars, guards follow the domain\'s flags and FEATURE_ vars', async () => {
  const health = await (await fetch(`${dev.base}/health`)).json()
  assert.deepEqual(health, { domain: 'shop', environment: 'staging', host: 'shop.example.com', features: ['SEARCH'] })
  const search = await fetch(`${dev.base}/search`)
  assert.equal(search.status, 200)
  assert.equal(await search.text(), 'search results')
  const reports = await fetch(`${dev.base}/reports`)
  assert.equal(reports.status, 404, 'FEATURE_REPORTS = "false" turns the domain\'s flag off')
  assert.deepEqual(await reports.json(), { error: 'Feature not available', feature: 'REPORTS', message: 'The REPORTS feature is not enabled for this domain' })
})
