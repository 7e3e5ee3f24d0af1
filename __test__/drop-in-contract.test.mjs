// The drop-in contract with @tamyla/clodo-framework 4.0.12 (a dev dependency):
// every name its in-scope subpaths export exists in clodo's same subpath, in
// require and import, and the functions the original only simulated or ran
// through shell strings do real work here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { project, rejection, require, root } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const ORIGINAL = '@tamyla/clodo-framework'
const originalPackage = join(root, 'node_modules', ORIGINAL)

const SUBPATHS = ['.', './config', './config/customers', './utils/config', './utils/deployment', './utils/cloudflare', './deployment', './orchestration', './database', './security', './security/cli', './service-management', './service-management/create', './worker']

// The in-worker application framework the original's root re-exports: out of scope (README, "Migrating").
const OUT_OF_SCOPE = /\/(services|schema|modules|routing|handlers)\//

// Names the original declares that clodo leaves out on purpose, each with why.
const LEFT_OUT = {
  '.': {
    FrameworkConfig: "tunes the original's own internal timeouts and generated/ paths; clodo's settings are each class's options, so these values would change nothing",
    frameworkConfig: 'the shared FrameworkConfig instance (see FrameworkConfig)',
    getFrameworkConfig: 'returns a FrameworkConfig (see FrameworkConfig)',
    autoConfigureFramework: "chooses among the original's internal implementation versions; clodo has one implementation",
  },
}

/** The names a module declares, read from its source: for the original's entries that fail to import. */
function declaredNames(file, seen = new Set()) {
  if (seen.has(file) || OUT_OF_SCOPE.test(file)) return []
  seen.add(file)
  const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const names = []
  for (const [, list] of source.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const part of list.split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()
      if (name && name !== 'default') names.push(name)
    }
  }
  for (const [, name] of source.matchAll(/^export\s+(?:async\s+)?(?:const|let|function|class)\s+(\w+)/gm)) names.push(name)
  for (const [, target] of source.matchAll(/^export\s*\*\s*from\s*['"]([^'"]+)['"]/gm)) names.push(...declaredNames(resolve(dirname(file), target), seen))
  return names
}

async function originalNames(subpath) {
  const entry = require(join(originalPackage, 'package.json')).exports[subpath]
  try {
    return Object.keys(await import(join(originalPackage, entry))).filter((n) => n !== 'default')
  } catch {
    // Its root and ./service-management fail to import (a file missing from the package): read what they declare.
    return [...new Set(declaredNames(join(originalPackage, entry)))]
  }
}

test('every name of the original\'s in-scope subpaths is in clodo\'s same subpath, for require and import', async () => {
  const missing = []
  let checked = 0
  for (const subpath of SUBPATHS) {
    const specifier = subpath === '.' ? 'clodo' : `clodo${subpath.slice(1)}`
    const required = Object.keys(require(specifier))
    const imported = Object.keys(await import(specifier))
    for (const name of await originalNames(subpath)) {
      checked++
      if (LEFT_OUT[subpath]?.[name]) continue
      if (!required.includes(name)) missing.push(`require('${specifier}').${name}`)
      if (!imported.includes(name)) missing.push(`import { ${name} } from '${specifier}'`)
    }
  }
  assert.deepEqual(missing, [], `missing from clodo:\n${missing.join('\n')}`)
  assert.ok(checked > 150, `the original's names were found (${checked})`)
})

test('the names left out are still declared by the original (the list is not stale)', async () => {
  for (const [subpath, names] of Object.entries(LEFT_OUT)) {
    const declared = await originalNames(subpath)
    for (const name of Object.keys(names)) assert.ok(declared.includes(name), `${subpath} ${name}`)
  }
})

test('the original\'s messages and properties: UnifiedConfigManager', async () => {
  const { UnifiedConfigManager } = require('clodo/utils/config')
  const configDir = join(project(), 'customers')
  const manager = new UnifiedConfigManager({ configDir, verbose: true })
  assert.equal(manager.verbose, true)
  assert.equal(new UnifiedConfigManager({ configDir }).verbose, false)
  assert.equal(manager.configDir, configDir)
  for (const [customer, environment] of [['', 'production'], ['acme', '']]) {
    await assert.rejects(manager.saveCustomerConfig(customer, environment, {}), { message: 'Customer and environment are required', code: 'E_INVALID_INPUT' })
  }
  assert.equal(existsSync(configDir), false, 'nothing was written')
  await assert.rejects(manager.saveCustomerConfig('../x', 'production', {}), { code: 'E_INVALID_INPUT', message: /Invalid customer name/ })

  await manager.saveCustomerConfig('acme', 'production', { domainName: 'acme.example.com', cloudflareAccountId: 'a'.repeat(32), cloudflareZoneId: 'b'.repeat(32) })
  const logged = []
  const log = console.log
  console.log = (...args) => logged.push(args.join(' '))
  try {
    manager.displayCustomerConfig('acme', 'production')
  } finally {
    console.log = log
  }
  assert.match(logged.join('\n'), /acme\.example\.com/, 'displayCustomerConfig prints through console.log')
})

test('EnhancedSecretManager in a dry run generates without a store key and writes nothing', async () => {
  const { EnhancedSecretManager } = require('clodo/utils/deployment')
  const projectRoot = project()
  const saved = process.env.CLODO_SECRET_KEY
  delete process.env.CLODO_SECRET_KEY
  try {
    const result = await new EnhancedSecretManager({ projectRoot, dryRun: true }).generateDomainSpecificSecrets('shop.example.com', 'production')
    assert.equal(result.summary.generated, 10)
    assert.match(result.secrets.AUTH_JWT_SECRET, /^[0-9a-f]{64}$/)
    assert.equal(result.savedFile, join(projectRoot, '.clodo', 'secrets', 'shop.example.com', 'production.secrets'))
    assert.deepEqual(readdirSync(projectRoot), [], 'no store, no key file')
    await assert.rejects(new EnhancedSecretManager({ projectRoot }).generateDomainSpecificSecrets('shop.example.com', 'production'), { code: 'E_SECRET_STORE' })
  } finally {
    if (saved !== undefined) process.env.CLODO_SECRET_KEY = saved
  }
})

test('security: a record is checked for its environment, values are never echoed, keys are strong', async () => {
  const security = await import('clodo/security')
  const { ConfigurationValidator, SecretGenerator, INSECURE_PATTERNS, getEnvironmentRequirements } = security
  const configDir = join(project(), 'customers')
  mkdirSync(join(configDir, 'acme'), { recursive: true })
  writeFileSync(join(configDir, 'acme', 'production.env'), 'AUTH_JWT_SECRET=secret123\nFRONTEND_URL=http://localhost:3000\nAUTH_SERVICE_API_KEY=dev-key\nDOMAIN=acme.example.com\n')

  const report = ConfigurationValidator.validateConfiguration('acme', 'production', { configDir, quiet: true })
  assert.equal(report.valid, false)
  assert.deepEqual([...new Set(report.securityIssues.map((i) => i.issue))].sort(), ['dummy_api_key', 'localhost_in_production', 'short_jwt_secret', 'weak_jwt_pattern', 'weak_secret_value'])
  assert.ok(!JSON.stringify(report).includes('secret123'), 'the secret is masked')
  const missing = ConfigurationValidator.validateConfiguration('nobody', 'production', { configDir, quiet: true })
  assert.equal(missing.valid, false)
  assert.match(missing.errors[0], /^Failed to validate configuration: No record for nobody\/production/)

  const flat = security.validateSecurity({ API_SECRET: 'short', DATA_URL: 'http://api.example.com' }, 'staging')
  assert.deepEqual(flat.map((f) => [f.key, f.issue]), [['DATA_URL', 'insecure_http'], ['API_SECRET', 'short_secret'], ['API_SECRET', 'weak_secret_pattern']])
  assert.deepEqual(security.validateSecurity({ API_SECRET: 'abcdefghij' }, 'testing').map((f) => f.issue), ['weak_secret_pattern'], 'testing allows 10 characters, still flags the pattern')

  assert.ok(INSECURE_PATTERNS.WEAK_JWT_PATTERNS.every((p) => p instanceof RegExp))
  assert.equal(ConfigurationValidator.INSECURE_PATTERNS, INSECURE_PATTERNS)
  assert.equal(getEnvironmentRequirements('qa').minSecretLength, 32, 'an unknown environment gets production\'s rules')
  const key = SecretGenerator.generateSecureApiKey(32, 'svc')
  assert.match(key, /^svc_[0-9a-f]{64}$/)
  assert.deepEqual(SecretGenerator.validateKeyStrength(key.slice(4)), { valid: true, issues: [] })
  assert.match(security.generateSecureKey('jwt'), /^[0-9a-f]{64}$/)
  assert.match(security.generateSecureKey('api', { length: 16, prefix: 'k' }), /^k_[0-9a-f]{32}$/)
  assert.deepEqual(security.handleDeploymentError(Object.assign(new Error('boom'), { code: 'E_X' }), { domain: 'a' }).code, 'E_X')

  const cli = await import('clodo/security/cli')
  const readiness = new cli.SecurityCLI({ configDir }).checkDeploymentReadiness('acme', 'production')
  assert.equal(readiness.ready, false)
  assert.equal(readiness.domain, 'acme.example.com')
  assert.ok(readiness.blockers.some((b) => b.includes('AUTH_JWT_SECRET is too short')))
  await assert.rejects(new cli.SecurityCLI({ configDir }).deployWithSecurity('acme', 'production'), { code: 'E_INSECURE_CONFIG' })
  assert.deepEqual((await cli.validateSecurity('', 'production')).error, 'Customer and environment are required')
  assert.equal(cli.generateSecureKey('payments').key.startsWith('payments_'), true)
})

test('customers onboard from templates, never over an edited record', async () => {
  const { CustomerConfigurationManager } = require('clodo/config/customers')
  const configDir = join(project(), 'config')
  mkdirSync(join(configDir, 'customers', 'template'), { recursive: true })
  for (const environment of ['development', 'production']) {
    writeFileSync(join(configDir, 'customers', 'template', `${environment}.env.template`), 'CUSTOMER_NAME={{CUSTOMER_NAME}}\nDOMAIN={{DOMAIN}}\nENVIRONMENT={{ENVIRONMENT}}\n')
  }
  const manager = new CustomerConfigurationManager({ configDir })
  const created = await manager.createCustomer('acme', 'acme.example.com')
  assert.equal(created.files.production.status, 'created')
  assert.equal(created.files.staging.status, 'no-template')
  assert.equal(readFileSync(join(configDir, 'customers', 'acme', 'development.env'), 'utf8'), 'CUSTOMER_NAME=acme\nDOMAIN=dev.acme.example.com\nENVIRONMENT=development\n')

  const record = join(configDir, 'customers', 'acme', 'production.env')
  writeFileSync(record, 'CUSTOMER_NAME=acme\nDOMAIN=acme.example.com\nAPI_KEY=edited\n')
  assert.equal((await manager.createCustomer('acme', 'acme.example.com')).files.production.status, 'exists')
  assert.match(readFileSync(record, 'utf8'), /API_KEY=edited/)

  const shown = manager.showConfig('acme', 'production')
  assert.equal(shown.variables.customer.API_KEY, 'edited')
  assert.equal(shown.domain.domains.staging, 'staging.acme.example.com')
  assert.deepEqual(manager.getDeployCommand('acme', 'staging').configPath, 'config/customers/acme/staging.env')
  assert.throws(() => manager.getDeployCommand('acme', 'qa'), { message: 'Unknown environment: qa' })
  const checked = await manager.validateConfigs()
  assert.equal(checked.valid, false)
  assert.ok(checked.errors.includes('Missing base config: wrangler.base.toml'))
  assert.ok(checked.errors.includes('Missing staging.env for customer acme'))
  assert.deepEqual((await new CustomerConfigurationManager({ configDir }).loadExistingCustomers()).map((c) => c.name), ['acme'])
})

test('prompts answer on a terminal (a token typed is not shown) and refuse at once without one', async () => {
  const script = `
    const p = require(${JSON.stringify(join(root, 'js', 'prompts.cjs'))})
    ;(async () => {
      const answers = [await p.askUser('Name', 'x'), await p.askYesNo('Sure?'), await p.askChoice('Pick', ['a', 'b', 'c']), await p.askSecret('Token')]
      p.closePrompts()
      console.log('ANSWERS ' + JSON.stringify(answers.map((a) => (a === 'tok-123-secret' ? 'hidden-ok' : a))))
    })()`
  const file = join(project(), 'prompt.cjs')
  writeFileSync(file, script)
  const child = spawn('script', ['-qec', `${process.execPath} ${file}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] })
  let output = ''
  const answers = [['Name', 'acme'], ['Sure?', 'y'], ['Select option', '2'], ['Token', 'tok-123-secret']]
  child.stdout.on('data', (chunk) => {
    output += chunk
    while (answers.length > 0 && output.includes(answers[0][0])) child.stdin.write(`${answers.shift()[1]}\n`)
  })
  await new Promise((done) => child.on('exit', done))
  assert.match(output, /ANSWERS \["acme",true,1,"hidden-ok"\]/)
  assert.ok(!output.replace('ANSWERS', '').includes('tok-123-secret'), 'the token was not echoed')

  const { askUser } = require('clodo/utils/deployment')
  const piped = spawn(process.execPath, ['-e', `require(${JSON.stringify(join(root, 'js', 'utils-deployment.cjs'))}).askUser('Name').catch((e) => { console.log(e.code); process.exit(0) })`], { stdio: ['pipe', 'pipe', 'inherit'] })
  let said = ''
  piped.stdout.on('data', (c) => (said += c))
  await new Promise((done) => piped.on('exit', done))
  assert.equal(said.trim(), 'E_NOT_INTERACTIVE')
  assert.equal(typeof askUser, 'function')
})

const token = 'drop-in-token-0123456789'
const accountId = 'd1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1'
const api = cloudflareApiForTests({ token, accountId, zones: ['example.com'] })

test('utils/cloudflare: databases, secrets and workers through Cloudflare\'s API, with typed errors', async () => {
  const cf = require('clodo/utils/cloudflare')
  const options = { apiToken: token, accountId }
  assert.deepEqual(await new cf.CloudflareAPI(token).verifyToken(), { valid: true, id: 'token-id', status: 'active', expiresOn: null, notBefore: null })
  const refused = await new cf.CloudflareAPI('wrong-token-0123456789').verifyToken()
  assert.equal(refused.valid, false)
  assert.equal(refused.code, 'E_AUTH')
  assert.throws(() => new cf.CloudflareAPI(''), { message: 'Cloudflare API token is required', code: 'E_INVALID_INPUT' })

  const id = await cf.createDatabase('tenant-a-db', options)
  assert.equal(api.databases.get(id).name, 'tenant-a-db')
  assert.equal(await cf.getDatabaseId('tenant-a-db', options), id)
  assert.equal(await cf.databaseExists('tenant-a-db', options), true)
  assert.equal(await cf.databaseExists('tenant-b-db', options), false)
  assert.deepEqual((await cf.listDatabases(options)).map((d) => d.name), ['tenant-a-db'])
  await assert.rejects(cf.createDatabase('tenant-a-db', options), { code: 'E_ALREADY_EXISTS', message: /7502/ })
  await assert.rejects(cf.createDatabase('../x', options), { code: 'E_INVALID_INPUT' })

  const missing = await rejection(cf.deploySecret('API_KEY', 'value-never-in-argv', 'production', { ...options, scriptName: 'tenant-a' }))
  assert.equal(missing.code, 'E_NOT_FOUND')
  assert.match(missing.message, /Worker tenant-a does not exist on account .*: deploy it first/)
  api.addWorker('tenant-a')
  await cf.deploySecret('API_KEY', 'value-never-in-argv', 'production', { ...options, scriptName: 'tenant-a' })
  assert.equal(api.workers.get('tenant-a').secrets.get('API_KEY'), 'value-never-in-argv')
  const put = api.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/workers/scripts/tenant-a/secrets'))
  assert.deepEqual(JSON.parse(put.body), { name: 'API_KEY', text: 'value-never-in-argv', type: 'secret_text' })
  assert.deepEqual(await cf.listSecrets('production', { ...options, scriptName: 'tenant-a' }), ['API_KEY'])
  assert.equal(await cf.workerExists('tenant-a', options), true)
  await cf.deleteSecret('API_KEY', 'production', { ...options, scriptName: 'tenant-a' })
  assert.deepEqual(await cf.listSecrets('production', { ...options, scriptName: 'tenant-a' }), [])
  await cf.deleteDatabase('tenant-a-db', options)
  assert.equal(await cf.databaseExists('tenant-a-db', options), false)

  const zones = await new cf.CloudflareAPI(token).listZones()
  assert.deepEqual(zones.map((z) => [z.name, z.accountId]), [['example.com', accountId]])
  assert.deepEqual(cf.formatZonesForDisplay([{ status: 'active', name: 'example.com', planName: 'Free', accountName: 'Acme' }]), ['✅ example.com (Free) - Account: Acme'])
  assert.equal(cf.parseZoneSelection('2', zones), -1)
  assert.equal(cf.parseZoneSelection('1', zones), 0)
  await assert.rejects(cf.listWorkers({ servicePath: project() , apiToken: '', accountId: '' }), { code: 'E_INVALID_INPUT', message: /wrangler has no command for it/ })
})

test('utils/cloudflare: a secret without a worker name goes through wrangler, its value on stdin', async () => {
  const cf = require('clodo/utils/cloudflare')
  const servicePath = project({ 'wrangler.toml': 'name = "through-wrangler"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n', 'index.js': 'export default { fetch: () => new Response("ok") }\n' })
  const options = { apiToken: token, accountId, servicePath, wranglerPath: join(root, 'node_modules', '.bin', 'wrangler') }
  await cf.deploySecret('WEBHOOK_SECRET', 'from-stdin-only', '', options)
  assert.equal(api.workers.get('through-wrangler').secrets.get('WEBHOOK_SECRET'), 'from-stdin-only')
  assert.deepEqual(await cf.listSecrets('', options), ['WEBHOOK_SECRET'])
})
