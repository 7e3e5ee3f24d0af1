// The drop-in's shapes on real local runs (wrangler's local mode): what
// deployPortfolio, getPortfolioStats, portfolioState and getRollbackPlan
// return, the deployment orchestrators deploying for real, dry runs that
// touch nothing, and the original's CrossDomainCoordinator options.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, driftDatabase, exampleService as exampleServiceCopy, project, require, root } from './helpers.mjs'

const { MultiDomainOrchestrator, CrossDomainCoordinator, DatabaseOrchestrator } = clodo
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const exampleService = () => exampleServiceCopy('clodo-drop-in-')

test('deployPortfolio has the original\'s shape: successful and failed hold { domain, … }, rates are text, durations ms', async () => {
  const servicePath = exampleService()
  driftDatabase(servicePath, 'broken.example.com')
  const o = new MultiDomainOrchestrator({ servicePath, domains: ['good.example.com', 'broken.example.com'], environment: 'development', wranglerPath, portfolioName: 'tenants', skipTests: true })
  assert.equal(o.portfolioState.domainStates instanceof Map, true)
  assert.equal(o.portfolioState.domainStates.get('good.example.com').status, 'pending')

  const result = await o.deployPortfolio()
  assert.deepEqual(result.successful.map((r) => r.domain), ['good.example.com'])
  assert.equal(result.successful[0].status, 'completed')
  assert.equal(typeof result.successful[0].duration, 'number')
  assert.ok(result.successful[0].duration > 100, 'milliseconds, as the original')
  assert.deepEqual(result.failed.map((r) => r.domain), ['broken.example.com'])
  assert.match(result.failed[0].error, /0001_items\.sql failed/)
  assert.equal(result.summary.successRate, '50.0')
  assert.match(result.summary.averageDuration, /^\d+\.\d$/)
  assert.equal(result.summary.averageDuration, (result.successful[0].duration / 1000).toFixed(1))
  assert.ok(result.totalDuration >= result.successful[0].duration)

  const stats = o.getPortfolioStats()
  assert.equal(stats.orchestrationId, result.deploymentId)
  assert.deepEqual([stats.totalDomains, stats.completed, stats.failed, stats.inProgress, stats.pending], [2, 1, 1, 0, 0])
  assert.equal(typeof stats.startTime, 'string')
  assert.ok(stats.endTime >= stats.startTime)
  assert.ok(stats.duration > 0)
  assert.equal(stats.auditLogSize, Object.values(stats.domains).reduce((n, d) => n + Object.keys(d.phases).length, 0))

  const state = o.portfolioState
  assert.equal(state.orchestrationId, result.deploymentId)
  assert.deepEqual([state.totalDomains, state.completedDomains, state.failedDomains], [2, 1, 1])
  assert.equal(state.domainStates.get('good.example.com').status, 'completed')
  assert.equal(state.domainStates.get('broken.example.com').status, 'failed')
  assert.equal(state.domainStates.get('broken.example.com').phase, 'database')
  assert.match(state.domainStates.get('broken.example.com').error, /0001_items\.sql/)

  const plan = o.getRollbackPlan()
  assert.ok(Array.isArray(plan), 'synchronous, a list, as the original')
  assert.deepEqual(plan, [], 'a local run has nothing to roll back')
})

test('the deployment orchestrators deploy for real, phase by phase', async () => {
  const { SingleServiceOrchestrator, UnifiedDeploymentOrchestrator } = require('clodo/deployment')
  const servicePath = exampleService()
  const single = new SingleServiceOrchestrator({ config: { domain: 'one.example.com', environment: 'development', servicePath, wranglerPath } })
  const summary = await single.execute()
  assert.deepEqual(summary.stats, { total: 6, completed: 6, failed: 0, skipped: 0, successRate: 100 }, JSON.stringify(summary.errors))
  assert.deepEqual(single.getDeploymentStatus(), { 'one.example.com': 'verified' })
  const deployed = summary.phases.deployment.result.result.services['one.example.com']
  assert.equal(deployed.status, 'completed')
  assert.match(deployed.url, /^http:\/\/127\.0\.0\.1:\d+/)
  assert.equal(summary.phases.verification.result.result.portfolioHealth, 'healthy')
  assert.equal(existsSync(join(servicePath, '.clodo', 'rendered', 'one.example.com', 'development', '.wrangler', 'state', 'v3', 'd1')), true, 'the domain\'s local database is real')

  const unified = new UnifiedDeploymentOrchestrator({ deploymentMode: 'portfolio', capabilities: ['portfolioDeploy'], config: { domains: ['two.example.com'], environment: 'development', servicePath, wranglerPath, dryRun: true } })
  assert.throws(() => unified.enableCapability('teleport'), { message: 'Unknown capability: teleport' })
  const planned = await unified.execute()
  assert.equal(planned.stats.completed, 6, JSON.stringify(planned.errors))
  assert.equal(unified.getCapabilityReport().capabilities.portfolioDeploy.enabled, true)
})

test('a dry run of DatabaseOrchestrator creates no .wrangler folder and no local database', async () => {
  const servicePath = project({
    'wrangler.toml': 'name = "dry"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n\n[[d1_databases]]\nbinding = "STORE"\ndatabase_name = "dry-db"\ndatabase_id = "dry-db"\n',
  })
  mkdirSync(join(servicePath, 'migrations'))
  writeFileSync(join(servicePath, 'migrations', '0001_init.sql'), 'CREATE TABLE t (id INTEGER);\n')
  const orchestrator = new DatabaseOrchestrator({ projectRoot: servicePath, dryRun: true, wranglerPath })
  const planned = await orchestrator.applyDatabaseMigrations('dry-db', 'STORE', 'development', false)
  assert.equal(planned.status, 'dry-run')
  assert.deepEqual(planned.pending, ['0001_init.sql'])
  assert.equal(existsSync(join(servicePath, '.wrangler')), false, 'no .wrangler folder')
  const status = await orchestrator.getMigrationStatus('dry-db', 'development')
  assert.deepEqual(status.pending, ['0001_init.sql'])
  assert.equal(existsSync(join(servicePath, '.wrangler')), false)

  // Once the database exists locally, a dry run reads it from a copy and still changes nothing.
  const real = new DatabaseOrchestrator({ projectRoot: servicePath, wranglerPath })
  await real.applyDatabaseMigrations('dry-db', 'STORE', 'development', false)
  writeFileSync(join(servicePath, 'migrations', '0002_more.sql'), 'CREATE TABLE u (id INTEGER);\n')
  const again = await orchestrator.applyDatabaseMigrations('dry-db', 'STORE', 'development', false)
  assert.deepEqual(again.pending, ['0002_more.sql'])
  assert.deepEqual((await real.getMigrationStatus('dry-db', 'development')).pending, ['0002_more.sql'], 'the dry run applied nothing')

  const command = orchestrator.buildMigrationCommand('dry-db', 'development', false)
  assert.equal(typeof command, 'string', 'a command line, as the original')
  assert.match(command, /^wrangler d1 migrations apply dry-db --local .*--config /)
  assert.deepEqual(orchestrator.buildMigrationArgv('dry-db', 'development', false).slice(0, 5), ['wrangler', 'd1', 'migrations', 'apply', 'dry-db'])
})

test('utils/cloudflare runs migrations and SQL locally without credentials', async () => {
  const cf = require('clodo/utils/cloudflare')
  const servicePath = project({
    'wrangler.toml': 'name = "sql"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n\n[[d1_databases]]\nbinding = "DATA"\ndatabase_name = "sql-db"\ndatabase_id = "sql-db"\n',
  })
  mkdirSync(join(servicePath, 'migrations'))
  writeFileSync(join(servicePath, 'migrations', '0001_init.sql'), "CREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('first');\n")
  const options = { servicePath, wranglerPath, remote: false }
  assert.equal(await cf.runMigrations('sql-db', 'development', options), true)
  assert.deepEqual(await cf.executeSql('sql-db', 'SELECT body FROM notes', 'development', options), [{ body: 'first' }])
  await assert.rejects(cf.executeSql('sql-db', 'SELECT nothing FROM nowhere', 'development', options), { code: 'E_SQL' })
})

test('CrossDomainCoordinator takes the original\'s portfolioName and enableDependencyResolution', async () => {
  const servicePath = exampleService()
  const domains = [{ domain: 'a.example.com' }, { domain: 'b.example.com', dependsOn: ['a.example.com'] }]
  const common = { servicePath, defaultEnvironment: 'development', dryRun: true, wranglerPath, portfolioName: 'tenants' }
  const ordered = await new CrossDomainCoordinator(common).coordinateMultiDomainDeployment(domains)
  assert.deepEqual(ordered.waves, [['a.example.com'], ['b.example.com']])
  assert.equal(ordered.portfolioName, 'tenants')
  const flat = await new CrossDomainCoordinator({ ...common, enableDependencyResolution: false }).coordinateMultiDomainDeployment(domains)
  assert.deepEqual(flat.waves, [['a.example.com', 'b.example.com']], 'one wave when dependency resolution is off')
})
