// The rest of the original's root: the one-call API (Clodo, createService,
// deploy, validate, initialize, getInfo), ServiceOrchestrator and the
// interactive InputCollector / InteractiveDeploymentCoordinator, name checks,
// health checks and error classification. Each does its work on clodo's
// classes; prompts need a terminal (E_NOT_INTERACTIVE without one).
'use strict'

const { existsSync, renameSync, writeFileSync } = require('node:fs')
const { dirname, join, resolve } = require('node:path')
const native = require('./native.cjs')
const { askChoice, askSecret, askUser, askYesNo, closePrompts } = require('./prompts.cjs')
const { DeploymentCredentialCollector } = require('./credentials.cjs')
const { OutputFormatter } = require('./cli-helpers.cjs')
const { initializeService } = require('./worker.cjs')

const { ServiceCreator, DeploymentValidator, MultiDomainOrchestrator, ProductionTester, CloudflareAPI } = native

const FRAMEWORK_NAME = 'clodo'
const FRAMEWORK_VERSION = require('../package.json').version

function coded(message, code, fields = {}) {
  return Object.assign(new Error(message), { code }, fields)
}

const createLogger = (prefix = 'ClodoFramework') => ({
  info: (message, ...args) => console.log(`[${prefix}] ${message}`, ...args),
  warn: (message, ...args) => console.warn(`[${prefix}] ${message}`, ...args),
  error: (message, ...args) => console.error(`[${prefix}] ${message}`, ...args),
  debug: (message, ...args) => console.debug(`[${prefix}] ${message}`, ...args),
})

function initializeFramework(options = {}) {
  console.log(`${FRAMEWORK_NAME} v${FRAMEWORK_VERSION} initialized`)
  return { version: FRAMEWORK_VERSION, name: FRAMEWORK_NAME, options }
}

// Name checks, as the original's (booleans, never throwing).
const SERVICE_TYPES = ['data-service', 'auth-service', 'content-service', 'api-gateway', 'generic', 'static-site']
const validateServiceName = (name) => typeof name === 'string' && /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,48}[a-z0-9]$/.test(name)
function validateDomainName(domain) {
  if (typeof domain !== 'string' || domain === '') return false
  const host = domain.replace(/\.$/, '')
  return host.length <= 253 && /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(host)
}
const validateCloudflareToken = (token) => typeof token === 'string' && token.length >= 20 && /^[A-Za-z0-9_-]+$/.test(token)
const validateCloudflareId = (id) => typeof id === 'string' && /^[a-f0-9]{32}$/i.test(id)
const validateServiceType = (type) => SERVICE_TYPES.includes(type)
const validateEnvironment = (env) => ['development', 'staging', 'production'].includes(env)
const validateFeatures = (features) => features !== null && typeof features === 'object' && ['logging', 'monitoring', 'errorReporting'].every((f) => f in features)

/** A starting configuration for one service on one domain (ids to fill in). */
function createDefaultDomainConfig(serviceName, domainName, environment = 'development') {
  return { domains: [{ name: serviceName, domain: domainName, accountId: 'your-account-id', zoneId: 'your-zone-id', environment, ssl: true, cors: environment !== 'production' }] }
}

/** GET `<url>/health`: `{ url, status, healthy, responseTime, data, parseError }`, or `{ url, error, healthy: false, responseTime }`. */
async function checkHealth(url, timeout = 10000) {
  const healthUrl = `${url.replace(/\/$/, '')}/health`
  const started = Date.now()
  try {
    const response = await fetch(healthUrl, { signal: AbortSignal.timeout(timeout), headers: { 'user-agent': `clodo/${FRAMEWORK_VERSION} health-check` } })
    const text = await response.text()
    let data = null
    let parseError = null
    try {
      data = text ? JSON.parse(text) : null
    } catch (error) {
      parseError = error.message
    }
    return { url: healthUrl, status: response.status, healthy: response.ok, responseTime: Date.now() - started, data, parseError }
  } catch (error) {
    return { url: healthUrl, error: error.name === 'TimeoutError' ? 'Request timed out' : error.message, healthy: false, responseTime: Date.now() - started }
  }
}

/** Whether `url` answers a HEAD with 2xx or 3xx. */
async function isUrlAccessible(url, timeout = 5000) {
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeout) })
    return response.status >= 200 && response.status < 400
  } catch {
    return false
  }
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms))

/** `<baseUrl>/health` until it answers 2xx, waiting longer each time: `{ healthy, responseTime, attempts, status }`. */
async function healthCheckWithBackoff(baseUrl, { maxAttempts = 10, initialDelay = 1000, maxDelay = 8000, timeout = 5000, silent = false } = {}) {
  let delay = initialDelay
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const check = await checkHealth(baseUrl, timeout)
    if (check.healthy) {
      if (!silent) console.log(`   Attempt ${attempt}/${maxAttempts}: healthy`)
      return { healthy: true, responseTime: check.responseTime, attempts: attempt, status: check.data?.status ?? null }
    }
    if (!silent) console.log(`   Attempt ${attempt}/${maxAttempts}: ${check.error ?? `HTTP ${check.status}`}`)
    if (attempt < maxAttempts) {
      await sleep(delay)
      delay = Math.min(delay * 2, maxDelay)
    }
  }
  return { healthy: false, attempts: maxAttempts }
}

/** Whether Cloudflare lists the worker, asked up to `maxAttempts` times: `{ success, status, modifiedOn, etag }` or `{ success: false, error }`. */
async function verifyWorkerDeployment(workerName, credentials, { maxAttempts = 5, delay = 2000, silent = false } = {}) {
  const api = new CloudflareAPI(credentials.token)
  let lastError = 'Worker not found in Cloudflare API after deployment'
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const worker = (await api.listWorkers(credentials.accountId)).find((w) => w.name === workerName)
      if (worker) return { success: true, status: 'Active', modifiedOn: worker.modifiedOn ?? null, etag: worker.etag }
    } catch (error) {
      lastError = error.message
    }
    if (!silent) console.log(`   ${workerName} not listed yet (attempt ${attempt}/${maxAttempts})`)
    if (attempt < maxAttempts) await sleep(delay)
  }
  return { success: false, error: lastError }
}

// clodo's error codes say what kind of failure it was; other errors are read by their words.
const KIND_OF_CODE = {
  E_AUTH: 'credentials',
  E_NOT_INTERACTIVE: 'credentials',
  E_NETWORK: 'network',
  E_RATE_LIMITED: 'network',
  E_BUILD_FAILED: 'bundle',
  E_MIGRATION_FAILED: 'database',
  E_DATABASE: 'database',
}
const KIND_OF_WORDS = [
  ['credentials', ['credential', 'auth', 'token', 'unauthorized', 'forbidden']],
  ['domain', ['domain', 'zone', 'dns']],
  ['network', ['network', 'timeout', 'econnrefused', 'enotfound', 'fetch failed']],
  ['bundle', ['bundle', 'syntax', 'compile', 'build', 'module not found']],
  ['database', ['database', 'd1', 'migration', 'sql']],
]

/** 'credentials' | 'domain' | 'network' | 'bundle' | 'database' | 'unknown'. */
function classifyError(error) {
  if (KIND_OF_CODE[error?.code]) return KIND_OF_CODE[error.code]
  const message = String(error?.message ?? error).toLowerCase()
  return KIND_OF_WORDS.find(([, words]) => words.some((w) => message.includes(w)))?.[0] ?? 'unknown'
}

const SUGGESTIONS = {
  credentials: ['Check your API token, account ID, and zone ID', 'Verify token has not expired', 'Visit: https://dash.cloudflare.com/profile/api-tokens'],
  domain: ['Verify domain exists in Cloudflare dashboard', 'Check API token has zone:read permissions', 'Ensure zone ID matches the domain'],
  network: ['Check internet connectivity', 'Verify Cloudflare API is accessible', 'Check for firewall/proxy issues'],
  bundle: ['Check for syntax errors in your code', 'Verify all dependencies are installed', 'Run: npm install or yarn install'],
  database: ['Verify database exists in Cloudflare', 'Check migrations are valid SQL', 'Ensure D1 binding name matches wrangler.toml'],
  unknown: ['Check the error message for details', 'Look at the error code (error.code) and docs/errors.md', 'Review deployment logs'],
}
const getRecoverySuggestions = (kind) => SUGGESTIONS[kind] ?? SUGGESTIONS.unknown

/** Writes `text` to `path` whole or not at all (a temporary file renamed over it). */
function writeWhole(path, text) {
  const temp = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`)
  writeFileSync(temp, text)
  renameSync(temp, path)
}

/**
 * Service creation and validation (the original's three-tier creator):
 * create writes a project with clodo's ServiceCreator; validate runs clodo's
 * DeploymentValidator on the folder.
 */
class ServiceOrchestrator {
  constructor(options = {}) {
    this.interactive = options.interactive !== false
    this.outputPath = options.outputPath ?? '.'
  }

  /** Asks for the inputs on a terminal, then creates the service. */
  async runInteractive() {
    const collector = new InputCollector()
    try {
      return await this.runNonInteractive(await collector.collect())
    } finally {
      collector.close()
    }
  }

  /** `coreInputs`: `{ serviceName, serviceType, domainName, environment }`. */
  async runNonInteractive(coreInputs) {
    const creator = new ServiceCreator({ outputDir: resolve(this.outputPath) })
    return creator.createService(coreInputs.serviceType ?? 'generic', { name: coreInputs.serviceName, domain: coreInputs.domainName })
  }

  /** `{ valid, issues, warnings, checks }` from clodo's DeploymentValidator; `exportReport` writes it as JSON. */
  async validateService(servicePath, options = {}) {
    const validation = await new DeploymentValidator({ servicePath: resolve(servicePath), environment: options.environment }).validate(resolve(servicePath))
    const result = { valid: validation.valid, issues: validation.errors, warnings: validation.warnings, checks: validation.checks }
    if (options.exportReport) await this.exportValidationReport(result, options.exportReport)
    return result
  }

  async diagnoseService(servicePath, options = {}) {
    return this.validateService(servicePath, options)
  }

  async exportValidationReport(validation, filePath) {
    writeWhole(resolve(filePath), `${JSON.stringify({ generatedAt: new Date().toISOString(), ...validation }, null, 2)}\n`)
    return resolve(filePath)
  }

  /** The nearest folder, from the working folder up, with a wrangler config; null when none. */
  async detectServicePath() {
    for (let dir = process.cwd(); ; dir = dirname(dir)) {
      if (await this.isServiceDirectory(dir)) return dir
      if (dirname(dir) === dir) return null
    }
  }

  async isServiceDirectory(dir) {
    return ['wrangler.toml', 'wrangler.jsonc', 'wrangler.json'].some((f) => existsSync(join(dir, f)))
  }

  /** `{ name, type = 'generic', domain, environment, outputPath = '.' }` → `{ success, serviceName, outputPath, message, service }`. */
  static async create(options = {}) {
    const { name, type = 'generic', domain, environment = 'development', outputPath = '.' } = options
    if (!name) throw coded('Service name is required', 'E_INVALID_INPUT')
    if (!domain) throw coded('Domain name is required', 'E_INVALID_INPUT')
    const orchestrator = new ServiceOrchestrator({ interactive: false, outputPath })
    try {
      const service = await orchestrator.runNonInteractive({ serviceName: name, serviceType: type, domainName: domain, environment })
      return { success: true, serviceName: name, outputPath, message: `Service "${name}" created successfully`, service }
    } catch (error) {
      throw coded(`Service creation failed: ${error.message}`, error.code ?? 'E_INVALID_INPUT', { cause: error })
    }
  }

  /** `{ success, issues, message }`. */
  static async validate(servicePath = '.', options = {}) {
    const result = await new ServiceOrchestrator().validateService(servicePath, options)
    return { success: result.valid, issues: result.issues, warnings: result.warnings, message: result.valid ? 'Service validation passed' : 'Service validation failed' }
  }
}

/** The core inputs of a new service, asked on a terminal with checks and defaults. */
class InputCollector {
  constructor(options = {}) {
    this.interactive = options.interactive !== false
  }

  async prompt(text, defaultValue = '') {
    return (await askUser(text, defaultValue || null)) ?? ''
  }

  async question(text) {
    return this.prompt(text)
  }

  async collectServiceName() {
    for (;;) {
      const name = await this.prompt('Service name (lowercase letters, digits, dashes; 3-50 characters)')
      if (validateServiceName(name)) return name
      console.log(`"${name}" is not a service name: use 3-50 lowercase letters, digits and single dashes, not at either end`)
    }
  }

  async collectServiceType() {
    const types = ['generic', 'data-service', 'api-gateway', 'static-site']
    return types[await askChoice('Service type:', types, 0)]
  }

  async collectDomainName() {
    for (;;) {
      const domain = await this.prompt('Domain name (e.g. api.example.com)')
      if (validateDomainName(domain)) return domain
      console.log(`"${domain}" is not a domain name`)
    }
  }

  async collectEnvironment() {
    const environments = ['development', 'staging', 'production']
    return environments[await askChoice('Environment:', environments, 0)]
  }

  /** CLOUDFLARE_API_TOKEN, else asked (hidden). */
  async collectCloudflareToken() {
    return process.env.CLOUDFLARE_API_TOKEN || askSecret('Cloudflare API token')
  }

  /** Account and zone looked up with the token (chosen on the terminal when there are several). */
  async collectCloudflareConfigWithDiscovery(apiToken) {
    const collector = new DeploymentCredentialCollector({ quiet: true })
    const api = new CloudflareAPI(apiToken)
    const account = await collector.fetchAccountId(api)
    const zone = await collector.fetchZoneId(api)
    return { accountId: account.id, zoneId: zone.id, domainName: zone.name }
  }

  /** `{ serviceName, serviceType, domainName, environment, cloudflareToken?, cloudflareAccountId?, cloudflareZoneId? }`. */
  async collect() {
    const inputs = { serviceName: await this.collectServiceName(), serviceType: await this.collectServiceType(), domainName: await this.collectDomainName(), environment: await this.collectEnvironment() }
    if (await askYesNo('Look up the Cloudflare account and zone now?', 'n')) {
      inputs.cloudflareToken = await this.collectCloudflareToken()
      const found = await this.collectCloudflareConfigWithDiscovery(inputs.cloudflareToken)
      inputs.cloudflareAccountId = found.accountId
      inputs.cloudflareZoneId = found.zoneId
    }
    return inputs
  }

  close() {
    closePrompts()
  }
}

/**
 * A deployment driven from a terminal: credentials (collected as
 * DeploymentCredentialCollector does), the domain, a confirmation, then the
 * real deployment with MultiDomainOrchestrator and its health check.
 */
class InteractiveDeploymentCoordinator {
  constructor(options = {}) {
    this.options = options
    this.output = new OutputFormatter(options)
    this.deploymentState = { config: {}, validation: {}, resources: {}, testing: {} }
    this.credentialCollector = new DeploymentCredentialCollector({ quiet: options.quiet, servicePath: options.servicePath })
  }

  async runInteractiveDeployment() {
    try {
      await this.gatherDeploymentInfo()
      await this.validateConfiguration()
      await this.showConfirmation()
      const result = await this.executeDeployment()
      await this.runPostDeploymentTests()
      return result
    } catch (error) {
      this.output.error(`Interactive deployment failed: ${error.message}`)
      throw error
    } finally {
      this.credentialCollector.cleanup()
    }
  }

  async gatherDeploymentInfo() {
    const credentials = this.options.local ? {} : await this.credentialCollector.collectCredentials(this.options)
    const domain = this.options.domain ?? (await askUser('Domain to deploy', credentials.zoneName ?? null))
    const environment = this.options.environment ?? 'production'
    this.deploymentState.config = { domain, environment, credentials }
    return this.deploymentState.config
  }

  // Each domain's own database and secrets are made by executeDeployment
  // (MultiDomainOrchestrator's database and secrets phases); these report them.
  async configureDatabase() {
    return this.deploymentState.resources
  }

  async configureSecrets() {
    return this.deploymentState.resources
  }

  async validateConfiguration() {
    const { domain } = this.deploymentState.config
    if (!validateDomainName(domain)) throw coded(`"${domain}" is not a domain name`, 'E_INVALID_INPUT')
    this.deploymentState.validation = { valid: true }
    return this.deploymentState.validation
  }

  async showConfirmation() {
    const { domain, environment } = this.deploymentState.config
    if (this.options.yes) return true
    if (!(await askYesNo(`Deploy ${domain} to ${environment}${this.options.dryRun ? ' (dry run)' : ''}?`, 'n'))) throw coded('Deployment cancelled', 'E_CANCELLED')
    return true
  }

  async executeDeployment() {
    const { domain, environment, credentials } = this.deploymentState.config
    const orchestrator = new MultiDomainOrchestrator({
      ...this.options,
      domains: [domain],
      environment,
      cloudflareToken: credentials.token ?? this.options.cloudflareToken,
      cloudflareAccountId: credentials.accountId ?? this.options.cloudflareAccountId,
    })
    const deployment = await orchestrator.deployPortfolio()
    this.deploymentState.resources = { deployment }
    if (deployment.failed.length > 0) throw coded(`Deployment failed: ${deployment.failed[0].error}`, 'E_DEPLOY_FAILED', { deployment })
    this.output.success(`${domain} deployed`)
    return deployment
  }

  async runPostDeploymentTests() {
    const url = this.deploymentState.resources.deployment?.results?.[0]?.url
    if (!url || this.options.dryRun || this.options.skipTests) return null
    this.deploymentState.testing = await new ProductionTester().runProductionTests(url)
    return this.deploymentState.testing
  }
}

/** The original's one-call API. */
class Clodo {
  static createService(options = {}) {
    return ServiceOrchestrator.create(options)
  }

  static deploy(options = {}) {
    return MultiDomainOrchestrator.deploy(options)
  }

  static validate(options = {}) {
    return ServiceOrchestrator.validate(options.servicePath ?? '.', options)
  }

  /** The worker's service context (see clodo/worker initializeService). */
  static initialize(env, options = {}) {
    try {
      return initializeService(env, options.domainConfigs ?? {})
    } catch (error) {
      throw coded(`Service initialization failed: ${error.message}`, error.code ?? 'E_INVALID_INPUT', { cause: error })
    }
  }

  static getInfo() {
    return {
      name: FRAMEWORK_NAME,
      version: FRAMEWORK_VERSION,
      description: 'Configure, deploy and operate Cloudflare Workers + D1 services',
      features: ['Service Creation', 'Multi-Domain Deployment', 'Configuration Management', 'Validation & Diagnostics', 'Worker Integration'],
    }
  }
}

exports.FRAMEWORK_NAME = FRAMEWORK_NAME
exports.FRAMEWORK_VERSION = FRAMEWORK_VERSION
exports.initializeFramework = initializeFramework
exports.createLogger = createLogger
exports.validateServiceName = validateServiceName
exports.validateDomainName = validateDomainName
exports.validateCloudflareToken = validateCloudflareToken
exports.validateCloudflareId = validateCloudflareId
exports.validateServiceType = validateServiceType
exports.validateEnvironment = validateEnvironment
exports.validateFeatures = validateFeatures
exports.createDefaultDomainConfig = createDefaultDomainConfig
exports.checkHealth = checkHealth
exports.isUrlAccessible = isUrlAccessible
exports.healthCheckWithBackoff = healthCheckWithBackoff
exports.verifyWorkerDeployment = verifyWorkerDeployment
exports.classifyError = classifyError
exports.getRecoverySuggestions = getRecoverySuggestions
exports.ServiceOrchestrator = ServiceOrchestrator
exports.InputCollector = InputCollector
exports.InteractiveDeploymentCoordinator = InteractiveDeploymentCoordinator
exports.Clodo = Clodo
/** The original's `createService(options)`; clodo's `createService(type, config)` (clodo/service-management) works here too. */
exports.createService = (first, config) => (typeof first === 'string' ? native.createService(first, config) : Clodo.createService(first))
exports.deploy = Clodo.deploy.bind(Clodo)
exports.validate = Clodo.validate.bind(Clodo)
exports.initialize = Clodo.initialize.bind(Clodo)
exports.getInfo = Clodo.getInfo.bind(Clodo)
