// The clodo CLI run as a subprocess (bin/clodo.js → the Rust CLI): --json
// documents, exit codes (0 ok, 1 failure, 2 usage, 3 partial), no prompt
// without a terminal, and under a pseudo-terminal (util-linux `script`) the
// coloured progress and a prompt answered.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { root, exampleService as exampleServiceCopy, driftDatabase, runCli as clodo, cliEnvironment as quiet, project } from './helpers.mjs'

const bin = join(root, 'bin', 'clodo.js')

const exampleService = () => exampleServiceCopy('clodo-cli-')

test('--version and --help answer at once; a bad flag is a usage error (2)', () => {
  const version = clodo(['--version'])
  assert.equal(version.code, 0)
  assert.match(version.stdout, /^clodo \d+\.\d+\.\d+/)
  const help = clodo(['--help'])
  assert.equal(help.code, 0)
  for (const command of ['deploy', 'list', 'status', 'rollback', 'validate', 'test']) assert.match(help.stdout, new RegExp(`\\n  ${command}`))
  const bad = clodo(['deploy', '--bogus'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /unexpected argument '--bogus'/)
})

test('list finds the example service\'s domains in its customer records', () => {
  const service = exampleService()
  const listed = clodo(['list', '--path', service, '--json'])
  assert.equal(listed.code, 0, listed.stderr)
  const { services } = JSON.parse(listed.stdout)
  assert.deepEqual(services.map((s) => s.name), ['data-service'])
  assert.deepEqual(services[0].domains, [
    { domain: 'blog.example.org', source: 'customer:blog' },
    { domain: 'news.example.net', source: 'customer:news' },
    { domain: 'shop.example.com', source: 'customer:shop' },
  ])
  const text = clodo(['list', '--path', service])
  assert.match(text.stdout, /^service\s+domain\s+found in\s+path\n/)
  assert.doesNotMatch(text.stdout + text.stderr, /\x1b\[/, 'no colour without a terminal')
})

test('a domains.js that fails to load is reported, not silently skipped', () => {
  const service = exampleService()
  mkdirSync(join(service, 'src', 'config'), { recursive: true })
  writeFileSync(join(service, 'src', 'config', 'domains.js'), "export default { 'api.example.com': {} }\nthrow new Error('missing DOMAIN_SECRET')\n")
  const listed = clodo(['list', '--path', service, '--json'])
  assert.equal(listed.code, 0, listed.stderr)
  const [found] = JSON.parse(listed.stdout).services
  assert.deepEqual(found.problems, ['src/config/domains.js: failed to load: Error: missing DOMAIN_SECRET'])
  assert.equal(found.domains.length, 3, 'the customer records still count')
  const text = clodo(['list', '--path', service])
  assert.match(text.stderr, /^warning: data-service: src\/config\/domains\.js: failed to load: Error: missing DOMAIN_SECRET$/m)
})

test('deploy --local: one domain deployed, one failed, exit 3; status and the audit log agree', () => {
  const service = exampleService()
  driftDatabase(service, 'blog.example.org')

  const run = clodo(['deploy', '--local', '--no-tests', '--json', service, 'shop.example.com', 'blog.example.org'])
  assert.equal(run.code, 3, run.stderr)
  const document = JSON.parse(run.stdout)
  assert.equal(document.total, 2)
  assert.equal(document.successful, 1)
  assert.equal(document.environment, 'development')
  const results = Object.fromEntries(document.runs[0].summary.results.map((r) => [r.domain, r]))
  assert.equal(results['shop.example.com'].status, 'completed')
  assert.match(results['blog.example.org'].error, /^database: .*0001_items\.sql failed/)
  assert.equal(run.stderr, '', 'with --json nothing but the document is printed')

  const status = clodo(['status', '--json', '--path', service])
  assert.equal(status.code, 3)
  const state = JSON.parse(status.stdout)
  assert.equal(state.deploymentId, document.runs[0].summary.deploymentId)
  assert.equal(state.domains['shop.example.com'].status, 'completed')
  assert.equal(state.domains['blog.example.org'].status, 'failed')
  const audit = readFileSync(join(service, 'logs', 'deployment-audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(audit.map((e) => [e.domain, e.status]).sort(), [['blog.example.org', 'failed'], ['shop.example.com', 'completed']])

  const rollback = clodo(['rollback', 'shop.example.com', '--path', service, '--json'])
  assert.equal(rollback.code, 0)
  assert.equal(JSON.parse(rollback.stdout).rolledBack, 0, 'a local run has nothing live to roll back')
})

test('without a terminal nothing prompts: production needs --yes, --interactive needs a terminal (2)', () => {
  const service = exampleService()
  const production = clodo(['deploy', service, 'shop.example.com', '--remote'], { CLOUDFLARE_API_TOKEN: 'not-used', CLOUDFLARE_ACCOUNT_ID: 'a' })
  assert.equal(production.code, 2)
  assert.match(production.stderr, /deploying to production needs --yes when there is no terminal to ask \[E_INVALID_INPUT\]/)
  const interactive = clodo(['deploy', service, '--local', '--interactive'])
  assert.equal(interactive.code, 2)
  assert.match(interactive.stderr, /--interactive needs a terminal/)
  // Remote with no token anywhere, and no terminal to ask for one.
  const remote = clodo(['deploy', service, 'shop.example.com', '--remote', '--json'])
  assert.equal(remote.code, 1)
  assert.equal(JSON.parse(remote.stdout).error.code, 'E_AUTH')
  assert.match(JSON.parse(remote.stdout).error.message, /no Cloudflare API token for shop\.example\.com: run `clodo login`/)
  const nothing = clodo(['deploy', mkdtempSync(join(tmpdir(), 'clodo-empty-'))])
  assert.equal(nothing.code, 2)
  assert.match(nothing.stderr, /no wrangler config in/)
})

test('validate and test report with exit codes', () => {
  const service = exampleService()
  const valid = clodo(['validate', '--path', service, '--env', 'development', '--json'])
  assert.equal(valid.code, 0, valid.stdout)
  assert.equal(JSON.parse(valid.stdout).valid, true)
  const broken = exampleService()
  writeFileSync(join(broken, 'wrangler.toml'), 'name = "x"\nmain = "src/missing.js"\n')
  const invalid = clodo(['validate', '--path', broken, '--env', 'development', '--json'])
  assert.equal(invalid.code, 1)
  assert.ok(JSON.parse(invalid.stdout).checks.some((c) => c.status === 'fail'))
  const notDomain = clodo(['test', 'not_a_domain'])
  assert.equal(notDomain.code, 1)
  assert.match(notDomain.stderr, /E_INVALID_INPUT/)
  const unreachable = clodo(['test', 'http://127.0.0.1:9/', '--json'])
  assert.equal(unreachable.code, 1)
  assert.equal(JSON.parse(unreachable.stdout).passed, false)
})

test('config validate and validate list findings by environment at file:line:col, and say valid only when it is', () => {
  const broken = `name = "svc"
main = "src/index.js"
compatibility_date = "2025-01-01"
node_compat = true
[vars]
A = "1"
B = 2025-01-01
[env.staging]
name = "svc-staging"
[env.staging.vars]
A = "2"
[env.other]
name = "svc-other"
workers_dev = "yes"
`
  const dir = project({ 'wrangler.toml': broken })
  const listed = clodo(['config', 'validate', '--path', dir])
  assert.equal(listed.code, 1)
  const [top, staging] = [listed.stdout.indexOf('top level'), listed.stdout.indexOf('env.staging')]
  assert.ok(top >= 0 && staging > top, listed.stdout)
  assert.match(listed.stdout.slice(top, staging), /error\s+\S*wrangler\.toml:4:1 .*nodejs_compat.*\[REMOVED_KEY\]/)
  assert.match(listed.stdout.slice(staging), /warning \S*wrangler\.toml:10:\d+ .*B.*\[NON_INHERITED_VAR\]/)
  assert.match(listed.stdout, /env\.other\n\s+error\s+\S*wrangler\.toml:14:\d+ .*workers_dev/)
  assert.match(listed.stdout.trimEnd(), /not valid: 3 errors, \d+ warnings?$/)
  const document = JSON.parse(clodo(['config', 'validate', '--path', dir, '--json']).stdout)
  assert.equal(document.valid, false)
  assert.deepEqual([...new Set(document.findings.map((f) => f.env))], [null, 'staging', 'other'])

  // Only the top level and the environment asked for count for `validate`.
  const forStaging = JSON.parse(clodo(['validate', '--path', dir, '--env', 'staging', '--json']).stdout)
  assert.ok(forStaging.findings.length > 0 && forStaging.findings.every((f) => f.env === null || f.env === 'staging'))

  const warned = project({ 'wrangler.toml': broken.replace('node_compat = true\n', '').replace('B = 2025-01-01', 'B = "2025-01-01"').replace('workers_dev = "yes"', 'workers_dev = true') })
  const fine = clodo(['config', 'validate', '--path', warned])
  assert.equal(fine.code, 0, fine.stdout)
  assert.match(fine.stdout.trimEnd(), /: valid, with \d+ warnings?$/)

  const empty = clodo(['validate', '--path', project()])
  assert.equal(empty.code, 1)
  assert.doesNotMatch(empty.stdout, /^valid/m)
  assert.match(empty.stdout, /not valid for development/)
})

const hasScript = spawnSync('script', ['--version']).status === 0

test('on a terminal: a domain is chosen at the prompt, progress is coloured, NO_COLOR turns colour off', { skip: !hasScript && 'util-linux script is not installed' }, async () => {
  const service = exampleService()
  const underTerminal = (args, answer, env = {}) => new Promise((resolve) => {
    const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ')
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...quiet, ...env } })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (answer && output.includes('Deploy which domains?')) {
        const keys = answer
        setTimeout(() => child.stdin.write(keys), 300)
        answer = null
      }
    })
    child.on('exit', (code) => resolve({ code, output }))
  })
  // All start ticked: Space unticks blog, Down, Space unticks news, Enter keeps shop.
  const chosen = await underTerminal(['deploy', '--path', service, '--local', '--interactive', '--no-tests'], ' \x1b[B \r')
  assert.equal(chosen.code, 0, chosen.output)
  assert.match(chosen.output, /✔.*blog\.example\.org \(data-service\)/, 'every domain listed, ticked')
  assert.match(chosen.output, /[⠋⠙⠹⠸⠼⠴⠦⠧] shop\.example\.com\s+\[[█ ]*·+\] \w+/, 'a live line while it runs')
  assert.match(chosen.output, /\x1b\[32m✓\x1b\[0m shop\.example\.com\s+\[██████\] done/, 'redrawn in place when done, its mark in colour')
  assert.match(chosen.output, /1 of 1 domain\(s\) deployed/)
  assert.doesNotMatch(chosen.output, /news\.example\.net\s+validation/)

  const plain = await underTerminal(['validate', '--path', service, '--env', 'development'], null, { NO_COLOR: '1' })
  assert.equal(plain.code, 0)
  assert.doesNotMatch(plain.output, /\x1b\[/)
})

test('config, db, secrets and customers commands', () => {
  const service = exampleService()
  const added = clodo(['config', 'add-d1', 'audit-db', '0f2ad2b1-8d36-4a3c-9b5e-3c2e4ad5f6a7', '--binding', 'AUDIT', '--path', service, '--json'])
  assert.equal(added.code, 0, added.stderr)
  const toml = readFileSync(join(service, 'wrangler.toml'), 'utf8')
  assert.match(toml, /^# An example service deployed once per domain/, 'comments kept')
  assert.match(toml, /binding = "AUDIT"/)
  const env = clodo(['config', 'env', 'staging', '--path', service, '--json'])
  assert.equal(JSON.parse(env.stdout).added, true)
  assert.match(readFileSync(join(service, 'wrangler.toml'), 'utf8'), /\n\[env\.staging\]\nname = "data-service"\n/)
  const shown = JSON.parse(clodo(['config', 'show', '--path', service, '--json']).stdout)
  assert.deepEqual(shown.config.d1_databases.map((d) => d.binding), ['DB', 'AUDIT'])
  const broken = exampleService()
  writeFileSync(join(broken, 'wrangler.toml'), 'name = "x"\n[[d1_databases]]\nbinding = "DB"\n')
  const invalid = clodo(['config', 'validate', '--path', broken, '--remote'])
  assert.equal(invalid.code, 1)
  assert.match(invalid.stdout, /wrangler\.toml:2:\d+/, 'the finding says where')

  const listed = JSON.parse(clodo(['db', 'list', '--path', service, '--json']).stdout)
  assert.deepEqual(listed.databases, ['data-service-db', 'audit-db'])
  const migrated = clodo(['db', 'migrate', 'data-service-db', '--path', service, '--json'])
  assert.equal(migrated.code, 0, migrated.stderr)
  assert.equal(JSON.parse(migrated.stdout).results[0].migrationsApplied, 2)
  const status = JSON.parse(clodo(['db', 'status', 'data-service-db', '--path', service, '--json']).stdout)
  assert.deepEqual(status.applied.map((m) => m.name), ['0001_items.sql', '0002_seed.sql'])
  assert.deepEqual(status.pending, [])
  const backup = clodo(['db', 'backup', 'data-service-db', '--path', service, '--json'])
  assert.equal(backup.code, 0, backup.stderr)
  const file = JSON.parse(backup.stdout).backupFile
  assert.equal(file, join(service, 'backups', 'data-service-db-development.sql'))
  const unasked = clodo(['db', 'restore', file, '--database', 'data-service-db', '--path', service])
  assert.equal(unasked.code, 2, 'replacing tables needs --yes without a terminal')
  assert.match(unasked.stderr, /restoring into data-service-db \(development\) needs --yes/)
  const restored = clodo(['db', 'restore', file, '--database', 'data-service-db', '--path', service, '--yes', '--json'])
  assert.equal(restored.code, 0, restored.stderr)
  assert.equal(JSON.parse(restored.stdout).verified, true)
  const production = clodo(['db', 'migrate', '--path', service, '--env', 'production'])
  assert.equal(production.code, 2)
  assert.match(production.stderr, /migrating production needs --yes/)

  const key = { CLODO_SECRET_KEY: '3c'.repeat(32) }
  const undeclared = clodo(['secrets', 'generate', 'shop.example.com', '--path', service], key)
  assert.equal(undeclared.code, 2, 'the example declares no secrets of its own')
  assert.match(undeclared.stderr, /declares no secrets .* or pass --standard-secrets/)
  writeFileSync(join(service, '.dev.vars.example'), 'STRIPE_WEBHOOK_SECRET=\n')
  const generated = clodo(['secrets', 'generate', 'shop.example.com', '--standard-secrets', '--path', service, '--json'], key)
  assert.equal(generated.code, 0, generated.stderr)
  const document = JSON.parse(generated.stdout)
  assert.ok(document.secrets.includes('AUTH_JWT_SECRET'))
  assert.ok(document.secrets.includes('STRIPE_WEBHOOK_SECRET'), 'the declared secret beside the standard ten')
  assert.equal(document.secrets.length, 11)
  assert.doesNotMatch(generated.stdout, /[0-9a-f]{64}/, 'names only, never values')
  const names = JSON.parse(clodo(['secrets', 'list', 'shop.example.com', '--path', service, '--json'], key).stdout)
  assert.deepEqual(names.secrets, document.secrets)
  const rotated = clodo(['secrets', 'rotate', 'shop.example.com', '--name', 'AUTH_JWT_SECRET', '--path', service, '--json'], key)
  assert.equal(rotated.code, 0, rotated.stderr)
  assert.deepEqual(JSON.parse(rotated.stdout).rotated, ['AUTH_JWT_SECRET'])
  assert.doesNotMatch(rotated.stdout, /[0-9a-f]{64}/, 'the new value is not printed')
  const noKey = clodo(['secrets', 'list', 'shop.example.com', '--path', service])
  assert.equal(noKey.code, 1)
  assert.match(noKey.stderr, /set CLODO_SECRET_KEY .*\[E_SECRET_STORE\]/)

  const customers = JSON.parse(clodo(['customers', 'list', '--path', service, '--json']).stdout)
  assert.deepEqual(customers.records.map((r) => [r.customer, r.environment]), [['blog', 'development'], ['news', 'development'], ['shop', 'development']])
  const shop = JSON.parse(clodo(['customers', 'show', 'shop', '--env', 'development', '--path', service, '--json']).stdout)
  assert.deepEqual(shop.missingFields, ['CLOUDFLARE_ACCOUNT_ID'], 'the example records name only their domains')
  const saved = clodo(['customers', 'save', 'shop', '--env', 'development', '--account-id', 'c3'.repeat(16), '--path', service, '--json'])
  assert.equal(saved.code, 0, saved.stderr)
  assert.equal(JSON.parse(saved.stdout).status, 'ready')
  const ready = JSON.parse(clodo(['customers', 'show', 'shop', '--env', 'development', '--path', service, '--json']).stdout)
  assert.equal(ready.record.domainName, 'shop.example.com', 'what was not given is kept')
  assert.equal(ready.record.cloudflareAccountId, 'c3'.repeat(16))
  assert.equal(clodo(['customers', 'save', 'shop', '--token', 'x', '--path', service]).code, 2, 'no flag takes a token')
})

test('service init adds clodo to an existing worker, keeping its package.json as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-init-'))
  writeFileSync(join(dir, 'wrangler.toml'), 'name = "legacy"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n')
  writeFileSync(join(dir, 'package.json'), '{\n    "name": "legacy",\n    "scripts": { "dev": "wrangler dev" }\n}\n')
  const account = 'a1'.repeat(16)
  const zone = 'b2'.repeat(16)
  const init = clodo(['service', 'init', '--path', dir, '--domains', `api.example.com:${account}:${zone},www.example.org`, '--json'])
  assert.equal(init.code, 0, init.stderr)
  const module = readFileSync(join(dir, 'src', 'config', 'domains.js'), 'utf8')
  assert.match(module, new RegExp(`'api\\.example\\.com': \\{ name: 'api\\.example\\.com', accountId: '${account}', zoneId: '${zone}',`))
  const pkg = readFileSync(join(dir, 'package.json'), 'utf8')
  assert.match(pkg, /\n {4}"scripts": \{ "dev": "wrangler dev" \}\n/, 'its lines kept as written')
  assert.match(pkg, /\n {4}"dependencies": \{\n {8}"clodo": /, 'the new entry in the file\'s indentation')
  assert.match(JSON.parse(pkg).dependencies.clodo, /^\^\d+\.\d+\.\d+$/)
  const listed = JSON.parse(clodo(['list', '--path', dir, '--env', 'production', '--json']).stdout)
  assert.deepEqual(listed.services[0].domains.map((d) => d.domain), ['api.example.com', 'www.example.org'])

  const again = clodo(['service', 'init', '--path', dir, '--domains', 'api.example.com'])
  assert.equal(again.code, 1)
  assert.match(again.stderr, /exists: force to replace it/)
  const badId = clodo(['service', 'init', '--path', dir, '--force', '--domains', 'api.example.com:ACCOUNT'])
  assert.equal(badId.code, 1)
  assert.match(badId.stderr, /Invalid account id "ACCOUNT" in "api\.example\.com:ACCOUNT"/)
  assert.equal(readFileSync(join(dir, 'src', 'config', 'domains.js'), 'utf8'), module, 'nothing changed')
  const nowhere = clodo(['service', 'init', '--path', mkdtempSync(join(tmpdir(), 'clodo-init-empty-')), '--domains', 'a.example.com'])
  assert.equal(nowhere.code, 1)
  assert.match(nowhere.stderr, /No wrangler config in .*\[E_CONFIG_NOT_FOUND\]/)
})
