// MultiDomainOrchestrator in local mode with the real wrangler: a run killed
// with SIGKILL is resumed and finishes without repeating completed phases.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, rejection, root, exampleService as exampleServiceCopy, driftDatabase } from './helpers.mjs'

const { MultiDomainOrchestrator } = clodo
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')
const domains = ['shop.example.com', 'blog.example.org']

const exampleService = () => exampleServiceCopy('clodo-portfolio-')

/** Runs a portfolio in a child process and SIGKILLs it once `killWhen(event)` is true. */
function runAndKill(servicePath, killWhen) {
  const script = `
    const { MultiDomainOrchestrator } = require(${JSON.stringify(root)})
    const o = new MultiDomainOrchestrator({ servicePath: ${JSON.stringify(servicePath)}, domains: ${JSON.stringify(domains)},
      environment: 'development', parallelDeployments: 1, wranglerPath: ${JSON.stringify(wranglerPath)},
      onProgress: (event) => console.log(JSON.stringify(event)) })
    o.initialize().then((info) => console.log(JSON.stringify(info))).then(() => o.deployPortfolio())`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const seen = []
    let buffer = ''
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      let newline
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffer.slice(0, newline))
        buffer = buffer.slice(newline + 1)
        seen.push(event)
        if (killWhen(event)) child.kill('SIGKILL')
      }
    })
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`the run ended by itself (${code}) before it was killed`))))
  })
}

test('a portfolio killed mid-run resumes and skips the phases it had completed', async () => {
  const service = exampleService()
  const seen = await runAndKill(service, (e) => e.domain === domains[0] && e.phase === 'database' && e.status === 'completed')
  const { deploymentId } = seen.find((e) => e.deploymentId)
  const saved = JSON.parse(readFileSync(join(service, '.clodo', 'deployments', `${deploymentId}.json`), 'utf8'))
  assert.equal(saved.domains[domains[0]].phases.database.status, 'completed')

  const events = []
  const resumed = new MultiDomainOrchestrator({
    servicePath: service, domains, environment: 'development', parallelDeployments: 2, wranglerPath, resume: deploymentId,
    onProgress: (event) => events.push(event),
  })
  const result = await resumed.deployPortfolio()
  assert.equal(result.deploymentId, deploymentId)
  assert.equal(result.summary.successful, 2, JSON.stringify(result.results.map((r) => r.error)))
  const ran = (domain) => events.filter((e) => e.domain === domain && e.status === 'started').map((e) => e.phase)
  assert.equal(ran(domains[0]).includes("database"), false)
  assert.deepEqual(ran(domains[0]).slice(-2), ['deployment', 'post-validation'])
  assert.deepEqual(ran(domains[1]), ['validation', 'initialization', 'database', 'secrets', 'deployment', 'post-validation'])
  for (const r of result.results) {
    assert.equal(r.status, 'completed')
    assert.equal(JSON.parse(r.phaseResults['post-validation'].details.health.bodyExcerpt).domain, r.domain)
  }
  const stats = resumed.getPortfolioStats()
  assert.equal(stats.completed, 2)
})

test('an unknown domain is a rejection naming it', async () => {
  const orchestrator = new MultiDomainOrchestrator({ servicePath: exampleService(), domains, environment: 'development', wranglerPath })
  const unknown = await rejection(orchestrator.deploySingleDomain('other.example.com'))
  assert.equal(unknown.code, 'E_INVALID_INPUT')
  assert.match(unknown.message, /^Domain other\.example\.com not found in portfolio/)
})

test('CrossDomainCoordinator: dependencies deploy first, a failed one skips its dependants, a cycle is named', async () => {
  const { CrossDomainCoordinator } = clodo
  const service = exampleService()
  driftDatabase(service, 'auth.example.com')

  const coordinator = new CrossDomainCoordinator({ servicePath: service, defaultEnvironment: 'development', maxConcurrentDeployments: 2, skipTests: true, wranglerPath })
  const portfolio = [
    { domain: 'auth.example.com' },
    { domain: 'api.example.com', dependsOn: ['auth.example.com'] },
    { domain: 'blog.example.com' },
  ]
  assert.deepEqual(coordinator.resolveDependencyOrder(portfolio), ['auth.example.com', 'blog.example.com', 'api.example.com'])
  const result = await coordinator.coordinateMultiDomainDeployment(portfolio)
  assert.deepEqual(result.waves, [['auth.example.com', 'blog.example.com'], ['api.example.com']])
  assert.deepEqual(result.successful.map((r) => r.domain), ['blog.example.com'])
  assert.deepEqual(result.failed.map((r) => r.domain), ['auth.example.com'])
  assert.deepEqual(result.skipped, ['api.example.com'])
  assert.match(result.results.find((r) => r.domain === 'api.example.com').error, /dependency auth\.example\.com did not deploy/)
  assert.match(result.results.find((r) => r.domain === 'auth.example.com').error, /0001_items\.sql failed/)

  coordinator.registerDomain({ name: 'a.example.com', dependencies: ['b.example.com'] })
  coordinator.registerDomain({ name: 'b.example.com', dependencies: ['a.example.com'] })
  assert.throws(() => coordinator.resolveDependencyOrder(), { code: 'E_DEPENDENCY_CYCLE', message: 'Circular dependency detected: a.example.com → b.example.com → a.example.com' })
  const cycle = await rejection(coordinator.coordinateMultiDomainDeployment(['a.example.com', 'b.example.com']))
  assert.equal(cycle.code, 'E_DEPENDENCY_CYCLE')
})

test('CrossDomainCoordinator locally: a wave past its rollback threshold halts the run, and nothing is reported rolled back', async () => {
  const { CrossDomainCoordinator } = clodo
  const service = exampleService()
  driftDatabase(service, 'auth.example.com')
  const coordinator = new CrossDomainCoordinator({ servicePath: service, defaultEnvironment: 'development', maxConcurrentDeployments: 2, skipTests: true, rollbackThreshold: 0.5, wranglerPath })
  const result = await coordinator.coordinateMultiDomainDeployment([
    { domain: 'auth.example.com' },
    { domain: 'blog.example.com' },
    { domain: 'api.example.com', dependsOn: ['blog.example.com'] },
  ])
  assert.deepEqual(result.rolledBack, [], 'a local run rolls nothing back')
  assert.deepEqual(result.successful.map((r) => r.domain), ['blog.example.com'])
  const blog = result.results.find((r) => r.domain === 'blog.example.com')
  assert.equal(blog.status, 'completed')
  assert.match(blog.note, /nothing to roll back in a local or dry run/)
  assert.match(result.results.find((r) => r.domain === 'api.example.com').error, /wave 1 failed past the rollback threshold \(1 of 2 failed, threshold 0\.5\)/)
})

test('progress keeps flowing to onProgress when an overlapping call ends first', async () => {
  const service = exampleService()
  const events = []
  const o = new MultiDomainOrchestrator({ servicePath: service, domains: ['shop.example.com'], environment: 'development', skipTests: true, wranglerPath, onProgress: (e) => events.push(e) })
  const [run, checked] = await Promise.all([o.deployPortfolio(), o.validateDomainPrerequisites('shop.example.com')])
  assert.equal(checked.status, 'completed')
  assert.equal(run.summary.successful, 1)
  await new Promise((resolve) => setImmediate(resolve))
  const seen = events.filter((e) => e.status === 'completed').map((e) => e.phase)
  assert.ok(seen.includes('deployment'), `the portfolio's later phases still reached onProgress: ${seen}`)
})

test('the phase handlers run one phase each, in the run\'s saved state', async () => {
  const service = exampleService()
  const o = new MultiDomainOrchestrator({ servicePath: service, domains, environment: 'development', wranglerPath })
  const checked = await o.validateDomainPrerequisites('shop.example.com')
  assert.equal(checked.status, 'completed', checked.message)
  const rendered = await o.initializeDomainDeployment('shop.example.com')
  assert.equal(rendered.status, 'completed')
  const config = JSON.parse(readFileSync(rendered.details.configPath, 'utf8'))
  assert.equal(config.name, 'data-service-shop-example-com-development')
  const stats = o.getPortfolioStats()
  assert.deepEqual(Object.keys(stats.domains['shop.example.com'].phases), ['validation', 'initialization'])
  const unknown = await rejection(o.setupDomainDatabase('nope.example.com'))
  assert.match(unknown.message, /^Domain nope\.example\.com not found in portfolio/)
})
