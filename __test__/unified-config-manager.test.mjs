// UnifiedConfigManager: every row of the contract, two-way compatibility with
// @tamyla/clodo-framework 4.0.12's files, hostile values and names, file modes.
import { test, describe, before } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync, mkdirSync, statSync, readdirSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { clodo, require, root, project, read, exists, rejection } from './helpers.mjs'

const { UnifiedConfigManager, createUnifiedConfigManager } = clodo

// The original's class, loaded through its own subpath export.
let Original
before(async () => {
  ;({ UnifiedConfigManager: Original } = await import('@tamyla/clodo-framework/utils/config'))
})

// Records must not pick up a token from whoever runs the tests.
delete process.env.CLOUDFLARE_API_TOKEN

/** Runs `fn` with console output of the original silenced. */
async function quietly(fn) {
  const { log, error } = console
  console.log = console.error = () => {}
  try {
    return await fn()
  } finally {
    Object.assign(console, { log, error })
  }
}

const ACCOUNT = '0123456789abcdef0123456789abcdef'

/** Deployment data in the original's shape. */
function deployment(overrides = {}) {
  return {
    coreInputs: {
      serviceName: 'data-service',
      serviceType: 'data-service',
      domainName: 'acme.example.com',
      cloudflareAccountId: ACCOUNT,
      cloudflareZoneId: 'fedcba9876543210fedcba9876543210',
      cloudflareToken: 'token-value-123',
      ...overrides.coreInputs,
    },
    confirmations: {
      displayName: 'Acme Corp',
      description: 'Data service for Acme',
      workerName: 'acme-data-service',
      databaseName: 'acme-db',
      deploymentUrl: 'https://api.acme.example.com',
      ...overrides.confirmations,
    },
    result: { databaseId: 'aaaa-bbbb', deploymentId: 'dep-1', timestamp: '2026-01-02T03:04:05.000Z', ...overrides.result },
  }
}

function managers() {
  const configDir = join(project(), 'customers')
  return { configDir, clodo: new UnifiedConfigManager({ configDir }), original: new Original({ configDir }) }
}

function writeRecord(configDir, customer, env, text) {
  mkdirSync(join(configDir, customer), { recursive: true })
  writeFileSync(join(configDir, customer, `${env}.env`), text)
}

const keysOf = (text) => text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.indexOf('=')))

describe('constructor and factory', () => {
  test('configDir defaults to <projectRoot>/config/customers and nothing is created', () => {
    const dir = project()
    const m = new UnifiedConfigManager({ projectRoot: dir })
    assert.equal(m.configDir, join(dir, 'config', 'customers'))
    assert.equal(new UnifiedConfigManager({ project_root: dir, config_dir: 'records' }).configDir, join(dir, 'records'))
    assert.deepEqual(readdirSync(dir), [])
  })

  test('without options the folder is under the working directory, never inside node_modules', () => {
    const dir = project()
    const out = execFileSync(process.execPath, ['-e', `console.log(new (require(${JSON.stringify(root)}).UnifiedConfigManager)().configDir)`], { cwd: dir, encoding: 'utf8' })
    assert.equal(out.trim(), join(dir, 'config', 'customers'))
  })

  test('createUnifiedConfigManager and the clodo/utils/config subpath, import and require', async () => {
    const { configDir } = managers()
    assert.ok(createUnifiedConfigManager({ configDir }) instanceof UnifiedConfigManager)
    const esm = await import('clodo/utils/config')
    const cjs = require('clodo/utils/config')
    for (const sub of [esm, cjs]) {
      assert.equal(sub.UnifiedConfigManager, UnifiedConfigManager)
      assert.equal(typeof sub.createUnifiedConfigManager, 'function')
      assert.ok(sub.unifiedConfigManager instanceof UnifiedConfigManager)
    }
  })
})

describe('saveCustomerConfig', () => {
  test('writes the contract layout: header, sections in order, only with values, no key twice', async () => {
    const { clodo: m } = managers()
    const data = deployment({ result: { url: 'https://acme-data-service.workers.dev' } })
    const path = await m.saveCustomerConfig('acme', 'production', data)
    assert.ok(path.endsWith(join('acme', 'production.env')))
    const text = read(path)
    assert.match(text, /^# Deployment Configuration - acme \(production\)\n# Last Updated: \d{4}-\d\d-\d\dT[\d:.]+Z\n/)
    const sections = [...text.matchAll(/^# (\S[^=\n]*)\n# =+$/gm)].map((m) => m[1])
    assert.deepEqual(sections, ['Core Customer Identity', 'Cloudflare Configuration', 'Service Configuration', 'Domain Configuration',
      'Database Configuration', 'Worker Configuration', 'Deployment Information', 'Additional Configuration'])
    const keys = keysOf(text)
    assert.equal(new Set(keys).size, keys.length, 'no key twice')
    assert.deepEqual(keys, ['CUSTOMER_ID', 'CUSTOMER_NAME', 'ENVIRONMENT', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_ZONE_ID',
      'SERVICE_NAME', 'SERVICE_TYPE', 'DISPLAY_NAME', 'DESCRIPTION', 'DOMAIN', 'CUSTOMER_DOMAIN', 'DEPLOYMENT_URL', 'API_DOMAIN',
      'DATABASE_NAME', 'D1_DATABASE_NAME', 'D1_DATABASE_ID', 'WORKER_NAME', 'DEPLOYMENT_ID', 'DEPLOYED_AT',
      'HEALTH_CHECK_PATH', 'API_BASE_PATH', 'LOG_LEVEL', 'NODE_COMPATIBILITY'])
    // The deployed URL (result.url) is the record's DEPLOYMENT_URL.
    assert.match(text, /^DEPLOYMENT_URL=https:\/\/acme-data-service\.workers\.dev$/m)

    const sparse = read(await m.saveCustomerConfig('lean', 'staging', { coreInputs: { domainName: 'lean.example' } }))
    assert.doesNotMatch(sparse, /Cloudflare Configuration|Database Configuration|Worker Configuration|Deployment Information/)
    assert.deepEqual(keysOf(sparse), ['CUSTOMER_ID', 'CUSTOMER_NAME', 'ENVIRONMENT', 'DOMAIN', 'CUSTOMER_DOMAIN',
      'HEALTH_CHECK_PATH', 'API_BASE_PATH', 'LOG_LEVEL', 'NODE_COMPATIBILITY'])
  })

  test('snake_case inputs write the same record as camelCase ones', async () => {
    const { clodo: m } = managers()
    const snake = {
      core_inputs: { service_name: 'data-service', service_type: 'data-service', domain_name: 'acme.example.com', cloudflare_account_id: ACCOUNT,
        cloudflare_zone_id: 'fedcba9876543210fedcba9876543210' },
      confirmations: { display_name: 'Acme Corp', description: 'Data service for Acme', worker_name: 'acme-data-service',
        database_name: 'acme-db', deployment_url: 'https://api.acme.example.com' },
      result: { database_id: 'aaaa-bbbb', deployment_id: 'dep-1', timestamp: '2026-01-02T03:04:05.000Z' },
    }
    const body = (t) => t.split('\n').filter((l) => !l.startsWith('# Last Updated')).join('\n')
    const a = read(await m.saveCustomerConfig('acme', 'production', deployment()))
    const b = read(await m.saveCustomerConfig('acme', 'staging', snake))
    assert.equal(body(b).replace(/staging/g, 'production'), body(a))
  })

  test('the API token is written only with { includeSecrets: true }; a token in an old file still loads', async () => {
    const { clodo: m, configDir } = managers()
    const path = await m.saveCustomerConfig('acme', 'production', deployment())
    assert.doesNotMatch(read(path), /token-value-123|CLOUDFLARE_API_TOKEN/)
    assert.equal(m.loadCustomerConfig('acme', 'production').cloudflareToken, undefined)

    await m.saveCustomerConfig('acme', 'production', deployment(), { includeSecrets: true })
    assert.match(read(path), /^CLOUDFLARE_API_TOKEN=token-value-123$/m)
    assert.equal(m.loadCustomerConfig('acme', 'production').cloudflareToken, 'token-value-123')

    writeRecord(configDir, 'old', 'production', `CLOUDFLARE_ACCOUNT_ID=${ACCOUNT}\nDOMAIN=old.example\nCLOUDFLARE_API_TOKEN=from-old-file\n`)
    assert.equal(m.loadCustomerConfig('old', 'production').cloudflareToken, 'from-old-file')
  })

  test('records are mode 0600 in a 0700 folder, replaced atomically without leftovers', { skip: process.platform === 'win32' }, async () => {
    const { clodo: m, configDir } = managers()
    const path = await m.saveCustomerConfig('acme', 'production', deployment())
    await m.saveCustomerConfig('acme', 'production', deployment({ confirmations: { description: 'second' } }))
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(statSync(join(configDir, 'acme')).mode & 0o777, 0o700)
    assert.deepEqual(readdirSync(join(configDir, 'acme')).filter((f) => !f.startsWith('.production.env.clodo-lock')), ['production.env'])
  })

  test('keys another tool added to the record survive a save', async () => {
    const { clodo: m } = managers()
    const path = await m.saveCustomerConfig('acme', 'production', deployment())
    writeFileSync(path, read(path) + 'FEATURE_FLAGS=search,billing\n')
    await m.saveCustomerConfig('acme', 'production', deployment({ confirmations: { description: 'changed' } }))
    const loaded = m.loadCustomerConfig('acme', 'production')
    assert.equal(loaded.envVars.FEATURE_FLAGS, 'search,billing')
    assert.equal(loaded.description, 'changed')
  })
})

describe('loading', () => {
  test('loadCustomerConfig: the standard object, or null for missing, template and unreadable records', async () => {
    const { clodo: m, configDir } = managers()
    await m.saveCustomerConfig('acme', 'production', deployment())
    const cfg = m.loadCustomerConfig('acme', 'production')
    assert.equal(cfg.customer, 'acme')
    assert.equal(cfg.environment, 'production')
    assert.equal(cfg.serviceName, 'data-service')
    assert.equal(cfg.domainName, 'acme.example.com')
    assert.equal(cfg.cloudflareAccountId, ACCOUNT)
    assert.equal(cfg.databaseName, 'acme-db')
    assert.equal(cfg.healthCheckPath, '/health')
    assert.equal(cfg.envVars.D1_DATABASE_ID, 'aaaa-bbbb')

    assert.equal(m.loadCustomerConfig('acme', 'staging'), null)
    writeRecord(configDir, 'tpl', 'production', 'CUSTOMER_NAME={{CUSTOMER_NAME}}\nCLOUDFLARE_ACCOUNT_ID=00000000000000000000000000000000\nDOMAIN=x.example\n')
    assert.equal(m.loadCustomerConfig('tpl', 'production'), null)
    mkdirSync(join(configDir, 'dir', 'production.env'), { recursive: true })
    assert.equal(m.loadCustomerConfig('dir', 'production'), null)
    assert.equal(m.inspectCustomerConfig('dir', 'production').status, 'unreadable')
  })

  test('a template is reported with the missing fields and why', () => {
    const { clodo: m, configDir } = managers()
    writeRecord(configDir, 'tpl', 'production', 'CUSTOMER_NAME={{CUSTOMER_NAME}}\nCLOUDFLARE_ACCOUNT_ID=00000000000000000000000000000000\n')
    const found = m.inspectCustomerConfig('tpl', 'production')
    assert.equal(found.status, 'template')
    assert.deepEqual(found.missingFields, ['CLOUDFLARE_ACCOUNT_ID', 'DOMAIN'])
    assert.equal(found.reasons.length, 3)
    assert.match(found.reasons.join('\n'), /placeholder/)
    assert.equal(found.path, join(configDir, 'tpl', 'production.env'))

    const report = m.getTemplateReasons({ CLOUDFLARE_ACCOUNT_ID: ACCOUNT })
    assert.deepEqual(report, { isTemplate: true, missingFields: ['DOMAIN'], reasons: ['DOMAIN is missing'] })
    assert.equal(m.isTemplateConfig({ CLOUDFLARE_ACCOUNT_ID: ACCOUNT, DOMAIN: 'a.example' }), false)
    assert.equal(m.isTemplateConfig({ CLOUDFLARE_ACCOUNT_ID: ACCOUNT }), true)
    assert.equal(m.inspectCustomerConfig('nobody', 'production').status, 'missing')
  })

  test('loadCustomerConfigSafe gives the original defaults when there is no usable record', () => {
    const { clodo: m, original } = managers()
    assert.deepEqual(m.loadCustomerConfigSafe('ghost', 'staging'), original.loadCustomerConfigSafe('ghost', 'staging'))
    process.env.CLOUDFLARE_API_TOKEN = 'from-env'
    try {
      assert.equal(m.loadCustomerConfigSafe('ghost', 'staging').cloudflareToken, 'from-env')
    } finally {
      delete process.env.CLOUDFLARE_API_TOKEN
    }
  })

  test('listCustomers (sorted folders only), listCustomerConfigs, configExists', async () => {
    const { clodo: m, configDir } = managers()
    assert.deepEqual(m.listCustomers(), [])
    for (const [c, e] of [['zeta', 'production'], ['acme', 'staging'], ['acme', 'development']]) {
      await m.saveCustomerConfig(c, e, deployment())
    }
    writeFileSync(join(configDir, 'README.md'), 'not a customer')
    assert.deepEqual(m.listCustomers(), ['acme', 'zeta'])
    assert.deepEqual(m.listCustomerConfigs().map((r) => [r.customer, r.environment, r.status]),
      [['acme', 'development', 'ready'], ['acme', 'staging', 'ready'], ['zeta', 'production', 'ready']])
    const [first] = m.listCustomerConfigs()
    assert.equal(first.config.domainName, 'acme.example.com')
    assert.equal(first.config.cloudflareToken, null, 'absent keys are null in listings')
    assert.deepEqual({ ...first.config, cloudflareToken: undefined }, m.loadCustomerConfig('acme', 'development'))
    assert.equal(m.configExists('acme', 'staging'), true)
    assert.equal(m.configExists('acme', 'production'), false)
  })

  test('getMissingFields, parseToStandardFormat and displayCustomerConfig as the original', async () => {
    const { clodo: m, original } = managers()
    const cfg = { domainName: 'a.example', cloudflareAccountId: '', cloudflare_zone_id: 'z', workerName: null }
    assert.deepEqual(m.getMissingFields(cfg, ['domainName', 'cloudflareAccountId', 'workerName', 'databaseName']),
      original.getMissingFields(cfg, ['domainName', 'cloudflareAccountId', 'workerName', 'databaseName']))
    assert.deepEqual(m.getMissingFields(cfg, ['cloudflareZoneId', 'cloudflare_zone_id']), ['cloudflareZoneId'])

    for (const vars of [{}, { DOMAIN: '', CUSTOMER_DOMAIN: 'c.example', DATABASE_NAME: '', D1_DATABASE_NAME: 'd1', API_DOMAIN: 'https://a' },
      { SERVICE_NAME: 'svc', SERVICE_TYPE: 'static-site', LOG_LEVEL: 'debug', EXTRA: 'kept' }]) {
      assert.deepEqual(m.parseToStandardFormat(vars, 'acme', 'production'), original.parseToStandardFormat(vars, 'acme', 'production'))
    }

    await m.saveCustomerConfig('acme', 'production', deployment())
    const printed = []
    const log = console.log
    console.log = (text) => printed.push(text)
    try {
      const text = m.displayCustomerConfig('acme', 'production')
      const none = m.displayCustomerConfig('ghost', 'production')
      assert.match(text, /Configuration for acme \(production\)/)
      assert.match(text, /Database: acme-db/)
      assert.match(none, /No configuration found for ghost\/production/)
      assert.deepEqual(printed, [text, none], 'printed through console.log')
    } finally {
      console.log = log
    }
  })

  test('mergeCustomerConfig: collected values win, empty ones never erase stored ones', async () => {
    const { clodo: m } = managers()
    await m.saveCustomerConfig('acme', 'production', deployment())
    const stored = m.loadCustomerConfig('acme', 'production')
    const merged = m.mergeCustomerConfig(stored, { domain_name: '', workerName: 'acme-v2', cloudflareZoneId: null, envVars: { NEW_KEY: 'x' } })
    assert.equal(merged.domainName, 'acme.example.com')
    assert.equal(merged.workerName, 'acme-v2')
    assert.equal(merged.cloudflareZoneId, 'fedcba9876543210fedcba9876543210')
    assert.equal(merged.envVars.NEW_KEY, 'x')
    assert.equal(merged.envVars.D1_DATABASE_ID, 'aaaa-bbbb')
    // A merged (flat) record saves back with everything it holds.
    await m.saveCustomerConfig('acme', 'production', merged)
    const again = m.loadCustomerConfig('acme', 'production')
    assert.equal(again.workerName, 'acme-v2')
    assert.equal(again.envVars.D1_DATABASE_ID, 'aaaa-bbbb')
    assert.equal(again.envVars.NEW_KEY, 'x')
  })
})

describe('static-site helpers', () => {
  const site = { serviceType: 'static-site', domainName: 'site.example', cloudflareAccountId: ACCOUNT, publicDir: 'dist', spaFallback: false }

  test('validateStaticSiteConfig and getStaticSiteDefaults as the original', () => {
    const { clodo: m, original } = managers()
    for (const cfg of [site, {}, { serviceType: 'generic', domainName: 'x' }]) {
      assert.deepEqual(m.validateStaticSiteConfig(cfg), original.validateStaticSiteConfig(cfg))
    }
    assert.deepEqual(m.getStaticSiteDefaults('a', 'b'), original.getStaticSiteDefaults('a', 'b'))
  })

  test('saveStaticSiteConfig then loadStaticSiteConfig, in clodo and in the original', async () => {
    const { clodo: m, original } = managers()
    const path = await m.saveStaticSiteConfig('site', 'production', site)
    const loaded = m.loadStaticSiteConfig('site', 'production')
    assert.equal(loaded.publicDir, 'dist')
    assert.equal(loaded.spaFallback, false)
    assert.equal(loaded.cleanUrls, true)
    assert.equal(loaded.apiBasePath, '/')
    assert.deepEqual(loaded, await quietly(() => original.loadStaticSiteConfig('site', 'production')))
    assert.equal(statSync(path).mode & 0o777, process.platform === 'win32' ? statSync(path).mode & 0o777 : 0o600)

    const bad = await rejection(m.saveStaticSiteConfig('site', 'staging', { serviceType: 'generic' }))
    assert.equal(bad.code, 'E_INVALID_INPUT')
    assert.match(bad.message, /^Invalid static-site configuration: Service type must be "static-site"/)
    assert.equal(exists(join(m.configDir, 'site', 'staging.env')), false)

    await m.saveCustomerConfig('api', 'production', deployment())
    assert.throws(() => m.loadStaticSiteConfig('api', 'production'),
      { code: 'E_INVALID_INPUT', message: "Service type for api/production is not 'static-site' (found: data-service)" })
  })
})

describe('compatibility with @tamyla/clodo-framework 4.0.12 records', () => {
  const cases = [
    deployment(),
    deployment({ coreInputs: { cloudflareToken: undefined }, confirmations: { description: 'Costs $5 a month, #1 choice', displayName: 'Acme "The Best" Corp' } }),
    { coreInputs: { domainName: 'min.example', cloudflareAccountId: ACCOUNT } },
    deployment({ result: { url: 'https://acme.workers.dev', workerUrl: 'https://w.example' } }),
  ]

  test('files the original wrote load in clodo as the same standard object', async () => {
    const { clodo: m, original } = managers()
    for (const [i, data] of cases.entries()) {
      await quietly(() => original.saveCustomerConfig(`c${i}`, 'production', data))
      assert.deepEqual(m.loadCustomerConfig(`c${i}`, 'production'), original.loadCustomerConfig(`c${i}`, 'production'), `case ${i}`)
    }
  })

  test('files clodo writes load in the original as the same standard object', async () => {
    const { clodo: m, original } = managers()
    for (const [i, data] of cases.entries()) {
      await m.saveCustomerConfig(`c${i}`, 'production', data, { includeSecrets: true })
      const theirs = await quietly(() => original.loadCustomerConfig(`c${i}`, 'production'))
      assert.deepEqual(theirs, m.loadCustomerConfig(`c${i}`, 'production'), `case ${i}`)
      assert.equal(theirs.description, data.confirmations?.description)
    }
  })
})

describe('hostile input', () => {
  const values = {
    newline: 'first line\nCLOUDFLARE_ACCOUNT_ID=attacker',
    hash: 'value # not a comment',
    quotes: `it's "quoted"`,
    equals: 'a=b=c',
    dollar: '$HOME and ${PATH}',
    backslash: 'C:\\new\\table',
    big: 'x#"\'\n='.repeat(2000),
  }

  test('values with newlines, #, quotes, = and 10 kB round-trip exactly and never add a key', async () => {
    const { clodo: m } = managers()
    for (const [name, value] of Object.entries(values)) {
      const path = await m.saveCustomerConfig('acme', name, deployment({ confirmations: { description: value } }))
      const loaded = m.loadCustomerConfig('acme', name)
      assert.equal(loaded.description, value, name)
      assert.equal(loaded.cloudflareAccountId, ACCOUNT, name)
      assert.equal(Object.keys(loaded.envVars).length, keysOf(read(path)).length, name)
    }
  })

  test('NUL in a value is refused and the record stays as it was', async () => {
    const { clodo: m } = managers()
    const path = await m.saveCustomerConfig('acme', 'production', deployment())
    const before = read(path)
    const err = await rejection(m.saveCustomerConfig('acme', 'production', deployment({ confirmations: { description: 'a\0b' } })))
    assert.equal(err.code, 'E_INVALID_INPUT')
    assert.match(err.message, /DESCRIPTION.*NUL/)
    assert.equal(read(path), before)
    await rejection(m.saveCustomerConfig('fresh', 'production', deployment({ result: { databaseId: 'x\0' } })))
    assert.equal(exists(join(m.configDir, 'fresh')), false, 'no folder for a refused record')
  })

  test('names with ../, / or NUL are E_INVALID_INPUT for every method and nothing is written', async () => {
    const { clodo: m, configDir } = managers()
    for (const [customer, env] of [['../escape', 'production'], ['acme', '../../etc/passwd'], ['a/b', 'production'], ['acme', 'prod\0x'], ['..', 'x']]) {
      for (const call of [() => m.loadCustomerConfig(customer, env), () => m.loadCustomerConfigSafe(customer, env),
        () => m.configExists(customer, env), () => m.inspectCustomerConfig(customer, env)]) {
        assert.throws(call, { code: 'E_INVALID_INPUT' })
      }
      assert.equal((await rejection(m.saveCustomerConfig(customer, env, deployment()))).code, 'E_INVALID_INPUT')
    }
    assert.equal(exists(configDir), false)
    assert.equal(exists(join(configDir, '..', 'escape')), false)
  })
})

test('a partial update keeps the stored token and every field not given, from the JS API and the CLI alike', async () => {
  const dir = project()
  const configDir = join(dir, 'config', 'customers')
  const file = join(configDir, 'acme', 'staging.env')
  mkdirSync(join(configDir, 'acme'), { recursive: true })
  writeFileSync(file, 'CUSTOMER_ID=acme\nENVIRONMENT=staging\nCLOUDFLARE_API_TOKEN=kept-token\nDOMAIN=old.example.com\nTEAM=payments\n')
  const m = new UnifiedConfigManager({ configDir })
  await m.updateCustomerConfig('acme', 'staging', { domainName: 'new.example.com' })
  let text = read(file)
  assert.match(text, /^CLOUDFLARE_API_TOKEN=kept-token$/m)
  assert.match(text, /^DOMAIN=new\.example\.com$/m)
  assert.match(text, /^TEAM=payments$/m)
  assert.doesNotMatch(text, /SERVICE_NAME|HEALTH_CHECK_PATH|LOG_LEVEL/, 'no defaults the record did not have')

  const cli = execFileSync(process.execPath, [join(root, 'bin', 'clodo.js'), 'customers', 'save', 'acme', '--env', 'staging', '--zone-id', 'z'.repeat(32), '--path', dir], { encoding: 'utf8', env: { ...process.env, CLOUDFLARE_API_TOKEN: '' } })
  assert.match(cli, /saved/)
  text = read(file)
  assert.match(text, /^CLOUDFLARE_API_TOKEN=kept-token$/m)
  assert.match(text, /^CLOUDFLARE_ZONE_ID=z{32}$/m)
  assert.match(text, /^DOMAIN=new\.example\.com$/m)
})
