// EnhancedSecretManager: generation from the OS random source, the encrypted
// store, and uploads through the real wrangler. Cloudflare's API cannot be
// reached from these machines: wrangler talks to the test server in
// support/cloudflare-api.mjs (CLOUDFLARE_API_BASE_URL).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, readFileSync, readdirSync, statSync, existsSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, project, read, rejection, root, require } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const { EnhancedSecretManager } = clodo
const token = 'cf-test-token-secrets-0c1d2e'
const accountId = 'fedcba9876543210fedcba9876543210'
const key = '5a'.repeat(32)
const api = cloudflareApiForTests({ token, accountId })

/** A service whose wrangler is a wrapper that logs its argv, then runs the real one. */
function service() {
  const dir = project({ 'wrangler.toml': 'name = "shop"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n\n[env.staging]\nname = "shop-staging"\n' })
  const wrapper = join(dir, 'wrangler-argv-logger')
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(dir, 'argv.log')}"\nexec "${join(root, 'node_modules', '.bin', 'wrangler')}" "$@"\n`)
  chmodSync(wrapper, 0o755)
  return { dir, wranglerPath: wrapper }
}

const manager = ({ dir, wranglerPath }, options = {}) =>
  new EnhancedSecretManager({ projectRoot: dir, wranglerPath, cloudflareToken: token, cloudflareAccountId: accountId, secretKey: key, ...options })

function filesUnder(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(path))
    else out.push(path)
  }
  return out
}

test('generated secrets reach the worker as JSON on stdin, are verified, and appear in no argv and no file', async () => {
  const svc = service()
  const result = await manager(svc).generateDomainSpecificSecrets('shop.example.com', 'staging', { deploy: true, customConfigs: { STRIPE_KEY: { length: 40 } } })
  assert.equal(result.summary.total, 11)
  assert.equal(result.secrets.STRIPE_KEY.length, 40)
  assert.equal(result.secrets.AUTH_JWT_SECRET.length, 64)
  assert.equal(result.deployment.verified, true)
  assert.deepEqual(result.deployment.command, ['wrangler', 'secret', 'bulk', '--env', 'staging', '--config', join(svc.dir, 'wrangler.toml')])

  const uploaded = Object.fromEntries(api.workers.get('shop-staging').secrets)
  assert.deepEqual(uploaded, result.secrets)
  const patch = api.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/workers/scripts/shop-staging/settings'))
  assert.ok(patch, 'secret bulk patched the staging worker')

  const values = Object.values(result.secrets)
  const argv = read(join(svc.dir, 'argv.log'))
  assert.match(argv, /secret bulk --env staging/)
  for (const file of filesUnder(svc.dir)) {
    const text = readFileSync(file, 'latin1')
    for (const value of values) assert.equal(text.includes(value), false, `${value.slice(0, 6)}… found in ${file}`)
  }
  const audit = read(join(svc.dir, 'logs', 'secrets-audit.log')).trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(audit.map((e) => e.event), ['SECRETS_DEPLOYED', 'SECRETS_GENERATED'])
  assert.equal(audit[0].domain, 'shop.example.com')
})

test('the store gives the same values back, refuses a wrong key or a changed file, and overwrites nothing then', async () => {
  const svc = service()
  const first = await manager(svc).generateDomainSpecificSecrets('shop.example.com', 'production')
  assert.equal(statSync(first.savedFile).mode & 0o777, 0o600)
  const loaded = await manager(svc).loadDomainSecrets('shop.example.com', 'production')
  assert.deepEqual(loaded.secrets, first.secrets)
  const again = await manager(svc).generateDomainSpecificSecrets('shop.example.com', 'production')
  assert.deepEqual(again.secrets, first.secrets)
  assert.equal(again.summary.reused, 10)

  const sealed = readFileSync(first.savedFile)
  const wrongKey = await rejection(manager(svc, { secretKey: '6b'.repeat(32) }).generateDomainSpecificSecrets('shop.example.com', 'production'))
  assert.equal(wrongKey.code, 'E_SECRET_STORE')
  assert.match(wrongKey.message, /not the one it was written with, or the file was changed/)
  assert.deepEqual(readFileSync(first.savedFile), sealed)

  const tampered = Buffer.from(sealed)
  tampered[tampered.length - 5] ^= 0x40
  writeFileSync(first.savedFile, tampered)
  const changed = await rejection(manager(svc).loadDomainSecrets('shop.example.com', 'production'))
  assert.equal(changed.code, 'E_SECRET_STORE')
  assert.deepEqual(readFileSync(first.savedFile), tampered)

  const noKey = await rejection(manager(svc, { secretKey: undefined }).loadDomainSecrets('shop.example.com', 'production'))
  assert.equal(noKey.code, 'E_SECRET_STORE')
  assert.match(noKey.message, /CLODO_SECRET_KEY/)
})

test('rotation replaces chosen secrets, uploads them and keeps the old values until pruned', async () => {
  const svc = service()
  const m = manager(svc)
  const first = await m.generateDomainSpecificSecrets('shop.example.com', 'staging')
  const rotated = await m.rotateSecrets('shop.example.com', 'staging', ['AUTH_JWT_SECRET'], { deploy: true })
  assert.notEqual(rotated.secrets.AUTH_JWT_SECRET, first.secrets.AUTH_JWT_SECRET)
  assert.equal(rotated.secrets.AUTH_JWT_SECRET.length, 64)
  assert.deepEqual(rotated.deployment.deployed, ['AUTH_JWT_SECRET'])
  assert.equal(api.workers.get('shop-staging').secrets.get('AUTH_JWT_SECRET'), rotated.secrets.AUTH_JWT_SECRET)
  const stored = await m.loadDomainSecrets('shop.example.com', 'staging')
  assert.equal(stored.secrets.AUTH_JWT_SECRET, rotated.secrets.AUTH_JWT_SECRET)
  assert.equal(stored.secrets.X_SERVICE_KEY, first.secrets.X_SERVICE_KEY)
  assert.equal(stored.metadata.historyCount, 1)
  assert.deepEqual(await m.pruneSecretHistory('shop.example.com', 'staging'), { pruned: 1, kept: 0 })
})

test('a dry run writes nothing and shows the commands without values', async () => {
  const svc = service()
  const result = await manager(svc, { dryRun: true }).generateDomainSpecificSecrets('shop.example.com', 'staging', { deploy: true })
  assert.equal(result.deployment.status, 'dry-run')
  assert.equal(result.deployment.commands.flat().some((arg) => Object.values(result.secrets).includes(arg)), false)
  assert.equal(existsSync(join(svc.dir, '.clodo')), false)
  assert.equal(existsSync(join(svc.dir, 'logs')), false)
  assert.equal(existsSync(join(svc.dir, 'argv.log')), false)
})

test('plain-text copies exist only on request, 0600, with a warning; bad names are refused', async () => {
  const svc = service()
  const m = manager(svc)
  const { secrets } = await m.generateDomainSpecificSecrets('shop.example.com', 'production')
  const copy = await m.writeDistributionFile('shop.example.com', 'production', 'env')
  assert.equal(statSync(copy.path).mode & 0o777, 0o600)
  assert.match(copy.warning, /plain text/)
  assert.match(read(copy.path), new RegExp(`^AUTH_JWT_SECRET=${secrets.AUTH_JWT_SECRET}$`, 'm'))
  for (const domain of ['../etc', 'a/b', 'x;rm -rf /']) {
    assert.equal((await rejection(m.generateDomainSpecificSecrets(domain, 'production'))).code, 'E_INVALID_INPUT')
  }
  const badName = await rejection(m.generateDomainSpecificSecrets('shop.example.com', 'production', { customConfigs: { 'BAD-NAME': 32 } }))
  assert.equal(badName.code, 'E_INVALID_INPUT')
})

test('the generator functions and SECRET_CONFIGS from clodo/utils/deployment', async () => {
  const cjs = require(join(root, 'js', 'utils-deployment.cjs'))
  const esm = await import(join(root, 'js', 'utils-deployment.mjs'))
  assert.equal(cjs.SECRET_CONFIGS.AUTH_JWT_SECRET.length, 64)
  assert.deepEqual(esm.SECRET_CONFIGS, cjs.SECRET_CONFIGS)
  const all = cjs.generateSecrets({ EXTRA: 20 })
  assert.equal(Object.keys(all).length, 11)
  assert.equal(all.WEBHOOK_SIGNATURE_KEY.length, 32)
  assert.match(esm.generateSingleSecret(), /^[0-9a-f]{32}$/)
  assert.notEqual(esm.generateSingleSecret(), esm.generateSingleSecret())
  assert.equal(esm.EnhancedSecretManager, EnhancedSecretManager)
})
