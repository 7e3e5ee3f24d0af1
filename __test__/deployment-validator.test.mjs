// DeploymentValidator: real checks on real service folders. The whoami and
// network checks talk to the Cloudflare API stand-in (support/cloudflare-api.mjs),
// since the real API cannot be reached from these machines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, project, root } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const { DeploymentValidator } = clodo
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const token = 'cf-test-token-validator-77'
const accountId = '00112233445566778899aabbccddeeff'
const api = cloudflareApiForTests({ token, accountId })

const GOOD = `name = "shop"
main = "src/index.js"
compatibility_date = "2025-01-01"
routes = [{ pattern = "shop.example.com", custom_domain = true }]

[[d1_databases]]
binding = "DB"
database_name = "shop-db"
database_id = "6f1c8a52-3c1e-4f7e-9d3a-0b5e2f4c7a91"

[env.staging]
routes = [{ pattern = "staging.shop.example.com/*", zone_name = "example.com" }]
[[env.staging.d1_databases]]
binding = "DB"
database_name = "shop-staging-db"
database_id = "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
`

function service(config = GOOD, { main = true, migrations = true } = {}) {
  const dir = project({ 'wrangler.toml': config })
  if (main) {
    mkdirSync(join(dir, 'src'))
    writeFileSync(join(dir, 'src', 'index.js'), 'export default { fetch: () => new Response("ok") }\n')
  }
  if (migrations) mkdirSync(join(dir, 'migrations'))
  return dir
}

const validator = (dir, options = {}) =>
  new DeploymentValidator({ servicePath: dir, wranglerPath, cloudflareToken: token, cloudflareAccountId: accountId, ...options })
const status = (result, name) => result.checks.find((c) => c.name === name)?.status

test('a sound service passes every check, whoami and network included', async () => {
  const result = await validator(service(), { environment: 'staging', level: 'comprehensive' }).validate()
  assert.deepEqual(result.errors, [])
  assert.equal(result.valid, true)
  for (const name of ['wrangler', 'main', 'config', 'env-bindings', 'binding-ids', 'migrations', 'routes', 'credentials', 'whoami', 'network']) {
    assert.equal(status(result, name), 'pass', `${name}: ${JSON.stringify(result.checks.find((c) => c.name === name))}`)
  }
  assert.ok(api.requests.some((r) => r.path === '/client/v4/user/tokens/verify'))
})

test('broken services: missing main, missing migrations, an env without its D1 binding, a D1 entry without id', async () => {
  const noMain = await validator(service(GOOD, { main: false })).validate()
  assert.equal(noMain.valid, false)
  assert.equal(status(noMain, 'main'), 'fail')
  assert.match(noMain.errors.join('\n'), /main = "src\/index\.js" .* does not exist/)

  const noMigrations = await validator(service(GOOD, { migrations: false })).validate()
  assert.equal(status(noMigrations, 'migrations'), 'fail')
  assert.match(noMigrations.errors.join('\n'), /missing migrations folder for DB/)

  const envWithout = GOOD.replace(/\[\[env\.staging\.d1_databases\]\][\s\S]*$/, '')
  const noBinding = await validator(service(envWithout), { environment: 'staging' }).validate()
  assert.equal(status(noBinding, 'env-bindings'), 'fail')
  assert.match(noBinding.errors.join('\n'), /\[env\.staging\] has no d1_databases/)

  const noId = GOOD.replace('database_id = "6f1c8a52-3c1e-4f7e-9d3a-0b5e2f4c7a91"\n', '')
  const missingId = await validator(service(noId)).validate()
  assert.equal(status(missingId, 'binding-ids'), 'fail')
  assert.match(missingId.errors.join('\n'), /d1_databases DB has no database_id/)
  const locally = await validator(service(noId), { environment: 'development' }).validate()
  assert.equal(status(locally, 'binding-ids'), 'skip')

  const badRoute = await validator(service(GOOD.replace('"shop.example.com"', '"https://shop.example.com"'))).validate()
  assert.equal(status(badRoute, 'routes'), 'fail')
})

test('credentials: missing, rejected by the API, and the original method names', async () => {
  const dir = service()
  const saved = process.env.CLOUDFLARE_API_TOKEN
  delete process.env.CLOUDFLARE_API_TOKEN
  try {
    const none = await new DeploymentValidator({ servicePath: dir, wranglerPath }).validateAuthentication()
    assert.equal(none.valid, false)
    assert.match(none.errors[0], /no Cloudflare API token/)
  } finally {
    if (saved !== undefined) process.env.CLOUDFLARE_API_TOKEN = saved
  }
  const rejected = await validator(dir, { level: 'comprehensive', cloudflareToken: 'wrong-token-123' }).validateAuthentication()
  assert.equal(status(rejected, 'whoami'), 'fail')
  assert.match(rejected.errors.join('\n'), /Authentication error/)

  const prerequisites = await validator(dir).validatePrerequisites()
  assert.equal(prerequisites.valid, true)
  assert.match(prerequisites.checks[0].message, /^wrangler 4\.\d+\.\d+ at /)
  const network = await validator(dir).validateNetwork()
  assert.equal(network.valid, true)
  const environment = await validator(dir).validateEnvironment('qa')
  assert.equal(environment.valid, false)
  assert.match(environment.errors[0], /No \[env\.qa\]/)
})
