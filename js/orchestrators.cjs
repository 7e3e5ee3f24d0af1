// The original's phase-machine orchestrators of clodo/deployment, which only
// printed what a deployment would look like. Here each phase does its part of
// a real deployment through MultiDomainOrchestrator: validation checks every
// domain, preparation renders configs, creates databases and secrets, deploy
// uploads (or, locally, serves) each worker, verification reads the health
// checks, monitoring reports the run's state.
'use strict'

const { MultiDomainOrchestrator } = require('./native.cjs')

const DEPLOYMENT_PHASES = Object.freeze({
  INITIALIZATION: 'initialization',
  VALIDATION: 'validation',
  PREPARATION: 'preparation',
  DEPLOYMENT: 'deployment',
  VERIFICATION: 'verification',
  MONITORING: 'monitoring',
})
const PHASE_SEQUENCE = Object.values(DEPLOYMENT_PHASES)
const PHASE_METHODS = { initialization: 'Initialize', validation: 'Validation', preparation: 'Prepare', deployment: 'Deploy', verification: 'Verify', monitoring: 'Monitor' }

/** Runs the six phases in order, each through its `on<Phase>()` method; subclasses supply them. */
class BaseDeploymentOrchestrator {
  constructor(options = {}) {
    this.deploymentId = options.deploymentId ?? `deploy-${Date.now()}`
    this.config = options.config ?? {}
    this.auditor = options.auditor
    this.currentPhase = null
    this.phaseStates = new Map()
    this.phaseResults = new Map()
    this.phaseErrors = new Map()
    this.phaseTimings = new Map()
    this.startTime = Date.now()
    this.executionContext = { deploymentId: this.deploymentId, startTime: this.startTime, phases: {}, errors: [] }
  }

  /** Every phase; a failed critical phase (initialization, deployment) stops the run unless `continueOnError`. */
  async execute({ continueOnError = false } = {}) {
    for (const phase of PHASE_SEQUENCE) {
      try {
        const result = await this.executePhase(phase)
        this.phaseResults.set(phase, result)
        this.auditor?.logPhase(this.deploymentId, phase, 'end', { status: 'completed' })
      } catch (error) {
        this.phaseErrors.set(phase, error)
        this.executionContext.errors.push({ phase, message: error.message, code: error.code })
        this.auditor?.logError(this.deploymentId, error, { phase })
        if (this.isCriticalPhase(phase) && !continueOnError) throw error
      }
    }
    return this.generateExecutionSummary()
  }

  async executePhase(phase) {
    this.currentPhase = phase
    const started = Date.now()
    this.phaseStates.set(phase, 'executing')
    try {
      const method = `on${this.capitalize(phase)}`
      if (typeof this[method] !== 'function') throw Object.assign(new Error(`Phase method '${method}' not implemented in ${this.constructor.name}`), { code: 'E_INVALID_INPUT' })
      const result = await this[method]()
      this.phaseStates.set(phase, 'complete')
      return { phase, status: 'success', result, duration: Date.now() - started, timestamp: new Date().toISOString() }
    } catch (error) {
      this.phaseStates.set(phase, 'error')
      throw error
    } finally {
      this.phaseTimings.set(phase, Date.now() - started)
    }
  }

  isCriticalPhase(phase) {
    return phase === DEPLOYMENT_PHASES.INITIALIZATION || phase === DEPLOYMENT_PHASES.DEPLOYMENT
  }

  generateExecutionSummary() {
    const phases = {}
    const stats = { total: PHASE_SEQUENCE.length, completed: 0, failed: 0, skipped: 0 }
    for (const phase of PHASE_SEQUENCE) {
      const state = this.phaseStates.get(phase)
      phases[phase] = { state, duration: this.phaseTimings.get(phase) ?? 0, result: this.phaseResults.get(phase), error: this.phaseErrors.get(phase)?.message }
      if (state === 'complete') stats.completed++
      else if (state === 'error') stats.failed++
      else stats.skipped++
    }
    stats.successRate = Math.round((stats.completed / stats.total) * 100)
    const errors = [...this.phaseErrors].map(([phase, error]) => ({ phase, message: error.message, code: error.code, severity: this.isCriticalPhase(phase) ? 'critical' : 'warning' }))
    return { deploymentId: this.deploymentId, orchestrator: this.constructor.name, totalDuration: this.getExecutionTime(), phases, stats, errors }
  }

  getExecutionTime() {
    return Date.now() - this.startTime
  }

  getPhaseStatus(phase) {
    return this.phaseStates.get(phase) ?? 'pending'
  }

  getPhaseResults() {
    return new Map(this.phaseResults)
  }

  getPhaseResult(phase) {
    return this.phaseResults.get(phase) ?? null
  }

  getExecutionContext() {
    return {
      ...this.executionContext,
      currentPhase: this.currentPhase,
      phaseStates: Object.fromEntries(this.phaseStates),
      phaseTimings: Object.fromEntries(this.phaseTimings),
      totalDuration: this.getExecutionTime(),
    }
  }

  capitalize(phase) {
    return PHASE_METHODS[phase] ?? phase.charAt(0).toUpperCase() + phase.slice(1)
  }

  async onInitialize() {
    throw new Error(`onInitialize() must be implemented in ${this.constructor.name}`)
  }
  async onValidation() {
    throw new Error(`onValidation() must be implemented in ${this.constructor.name}`)
  }
  async onPrepare() {
    throw new Error(`onPrepare() must be implemented in ${this.constructor.name}`)
  }
  async onDeploy() {
    throw new Error(`onDeploy() must be implemented in ${this.constructor.name}`)
  }
  async onVerify() {
    throw new Error(`onVerify() must be implemented in ${this.constructor.name}`)
  }
  async onMonitor() {
    throw new Error(`onMonitor() must be implemented in ${this.constructor.name}`)
  }
}

function phaseFailed(domain, phase, result) {
  return Object.assign(new Error(`${domain}: ${phase} failed: ${result.message}`), { code: result.details?.code ?? 'E_DEPLOY_FAILED', domain, phase, result })
}

/**
 * A deployment of `config.domains` (MultiDomainOrchestrator options in
 * `config`: environment, servicePath, dryRun, credentials, …) phase by phase.
 */
class PortfolioOrchestrator extends BaseDeploymentOrchestrator {
  constructor(options = {}) {
    super(options)
    this.orchestratorType = 'portfolio'
    this.portfolioConfig = options.config ?? {}
    this.domains = this.portfolioConfig.domains ?? []
    this.deploymentStatus = new Map(this.domains.map((d) => [d, 'pending']))
    this.orchestrator = null
    this.deployment = null
  }

  async onInitialize() {
    this.orchestrator = new MultiDomainOrchestrator({ environment: 'production', ...this.portfolioConfig, domains: this.domains })
    const run = await this.orchestrator.initialize()
    return { status: 'initialized', orchestratorType: this.orchestratorType, timestamp: new Date().toISOString(), totalServices: this.domains.length, services: this.domains, ...run }
  }

  /** Each domain's prerequisites (config, names, credentials where remote); a failed one throws. */
  async onValidation() {
    const checks = {}
    for (const domain of this.domains) {
      const result = await this.orchestrator.validateDomainPrerequisites(domain)
      checks[domain] = result
      if (result.status === 'failed') throw phaseFailed(domain, 'validation', result)
      this.deploymentStatus.set(domain, 'validated')
    }
    return { status: 'validated', allChecksPassed: true, checks, warnings: [] }
  }

  /** Rendered config, the domain's own database (migrated) and its secrets. */
  async onPrepare() {
    const services = {}
    for (const domain of this.domains) {
      services[domain] = {}
      for (const [name, phase] of [['configuration', 'initializeDomainDeployment'], ['database', 'setupDomainDatabase'], ['secrets', 'handleDomainSecrets']]) {
        const result = await this.orchestrator[phase](domain)
        services[domain][name] = result
        if (result.status === 'failed') throw phaseFailed(domain, name, result)
      }
      this.deploymentStatus.set(domain, 'prepared')
    }
    return { status: 'prepared', resources: { services }, readyForDeployment: true }
  }

  /** The deployment and its checks, for every domain (phases done above are not run again). */
  async onDeploy() {
    this.deployment = await this.orchestrator.deployPortfolio()
    for (const r of this.deployment.results) this.deploymentStatus.set(r.domain, r.success ? 'deployed' : 'failed')
    if (this.deployment.failed.length > 0) {
      const first = this.deployment.failed[0]
      throw Object.assign(new Error(`${this.deployment.failed.length} of ${this.domains.length} domain(s) failed; first ${first.domain}: ${first.error}`), { code: 'E_DEPLOY_FAILED', deployment: this.deployment })
    }
    const services = Object.fromEntries(this.deployment.results.map((r) => [r.domain, { status: r.status, url: r.url, workerName: r.workerName, duration: r.duration }]))
    return { status: 'deployed', timestamp: new Date().toISOString(), deployedServices: this.deployment.successful.length, services, deploymentId: this.deployment.deploymentId }
  }

  /** What each domain's post-deployment check found. */
  async onVerify() {
    const services = {}
    for (const r of this.deployment?.results ?? []) {
      const check = r.phaseResults?.['post-validation']
      services[r.domain] = { healthCheck: check?.status === 'completed' ? 'passed' : check?.status ?? 'not-run', message: check?.message, url: r.url }
      if (check?.status === 'completed') this.deploymentStatus.set(r.domain, 'verified')
    }
    const verified = Object.values(services).filter((s) => s.healthCheck === 'passed').length
    return { status: 'verified', totalServices: this.domains.length, verifiedServices: verified, services, portfolioHealth: verified === this.domains.length ? 'healthy' : 'degraded' }
  }

  /** The run's state as saved (what `clodo status` shows later). */
  async onMonitor() {
    return { status: 'monitoring_enabled', stats: this.orchestrator.getPortfolioStats() }
  }

  getMetadata() {
    return { type: this.orchestratorType, name: this.constructor.name, deploymentType: 'multi-service-portfolio', capabilities: ['multi-service', 'coordinated-deployment', 'parallel-deployment', 'rollback'], maxPhases: PHASE_SEQUENCE.length }
  }

  getDeploymentStatus() {
    return Object.fromEntries(this.deploymentStatus)
  }
}

/** The same for one domain, `config.domain`. */
class SingleServiceOrchestrator extends PortfolioOrchestrator {
  constructor(options = {}) {
    const config = options.config ?? {}
    super({ ...options, config: { ...config, domains: config.domain ? [config.domain] : config.domains ?? [] } })
    this.orchestratorType = 'single-service'
    this.serviceConfig = config
  }

  getMetadata() {
    return { type: this.orchestratorType, name: this.constructor.name, deploymentType: 'single-service', capabilities: ['single-service', 'rollback'], maxPhases: PHASE_SEQUENCE.length }
  }
}

const CAPABILITIES = [
  ['singleDeploy', 'Single domain deployment', 'single'],
  ['multiDeploy', 'Multiple domain deployment with coordination', 'portfolio'],
  ['portfolioDeploy', 'Full portfolio deployment management', 'portfolio'],
  ['basicValidation', 'Basic deployment validation', 'all'],
  ['standardValidation', 'Standard deployment validation', 'all'],
  ['comprehensiveValidation', 'Comprehensive deployment validation', 'all'],
  ['healthCheck', 'Health check testing', 'all'],
  ['endpointTesting', 'Endpoint testing', 'all'],
  ['integrationTesting', 'Integration testing', 'all'],
  ['productionTesting', 'Full production testing suite', 'all'],
  ['dbMigration', 'Database migration management', 'all'],
  ['d1Management', 'Cloudflare D1 database management', 'all'],
  ['multiRegionDb', 'Multi-region database configuration', 'enterprise'],
  ['secretGeneration', 'Secret generation', 'all'],
  ['secretCoordination', 'Cross-domain secret coordination', 'portfolio'],
  ['secretDistribution', 'Secret distribution to Cloudflare', 'all'],
  ['highAvailability', 'High availability configuration', 'enterprise'],
  ['disasterRecovery', 'Disaster recovery setup', 'enterprise'],
  ['complianceCheck', 'Compliance verification (SOX, HIPAA, PCI)', 'enterprise'],
  ['auditLogging', 'Comprehensive audit logging', 'all'],
  ['deploymentCleanup', 'Cleanup after deployment', 'all'],
  ['rollback', 'Deployment rollback', 'all'],
]
const RECOMMENDED = {
  single: ['singleDeploy', 'standardValidation', 'healthCheck', 'dbMigration', 'secretGeneration', 'auditLogging'],
  portfolio: ['multiDeploy', 'portfolioDeploy', 'comprehensiveValidation', 'productionTesting', 'dbMigration', 'secretGeneration', 'secretCoordination', 'auditLogging'],
  enterprise: ['portfolioDeploy', 'comprehensiveValidation', 'productionTesting', 'd1Management', 'multiRegionDb', 'secretCoordination', 'highAvailability', 'disasterRecovery', 'complianceCheck', 'auditLogging', 'rollback'],
}

/**
 * One front for both: `deploymentMode` 'single' (config.domain) or
 * 'portfolio' (config.domains) picks the orchestrator whose phases run.
 * Capabilities are recorded and reported; clodo's phases always validate,
 * migrate, generate secrets, check health and audit.
 */
class UnifiedDeploymentOrchestrator extends BaseDeploymentOrchestrator {
  constructor(config = {}) {
    super(config)
    this.orchestratorType = 'unified'
    this.availableCapabilities = new Map(CAPABILITIES.map(([name, description, system]) => [name, { name, description, system }]))
    this.enabledCapabilities = new Set()
    this.capabilityProviders = new Map()
    for (const capability of config.capabilities ?? []) {
      if (typeof capability === 'string') this.enableCapability(capability)
      else this.enableCapability(capability.name, capability.config)
    }
    this.deploymentContext = { mode: config.deploymentMode ?? 'single', validationLevel: config.validationLevel ?? 'standard', auditLevel: config.auditLevel ?? 'detailed' }
    this.systemAdapter = null
  }

  enableCapability(name, config = {}) {
    if (!this.availableCapabilities.has(name)) throw Object.assign(new Error(`Unknown capability: ${name}`), { code: 'E_INVALID_INPUT' })
    this.enabledCapabilities.add(name)
    this.capabilityProviders.set(name, config)
    return this
  }

  disableCapability(name) {
    this.enabledCapabilities.delete(name)
    this.capabilityProviders.delete(name)
    return this
  }

  hasCapability(name) {
    return this.enabledCapabilities.has(name)
  }

  getEnabledCapabilities() {
    return [...this.enabledCapabilities]
  }

  getCapabilityDefinition(name) {
    return this.availableCapabilities.get(name)
  }

  getRecommendedCapabilities(mode) {
    return RECOMMENDED[String(mode).toLowerCase()] ?? RECOMMENDED.single
  }

  setDeploymentMode(mode, autoConfigureCapabilities = true) {
    this.deploymentContext.mode = mode
    if (autoConfigureCapabilities) for (const name of this.getRecommendedCapabilities(mode)) this.enableCapability(name)
    return this
  }

  adapter() {
    if (!this.systemAdapter) {
      const Adapter = this.deploymentContext.mode === 'single' ? SingleServiceOrchestrator : PortfolioOrchestrator
      this.systemAdapter = new Adapter({ deploymentId: this.deploymentId, config: this.config, auditor: this.auditor })
    }
    return this.systemAdapter
  }

  async onInitialize() {
    return { ...(await this.adapter().onInitialize()), capabilitiesCount: this.enabledCapabilities.size, capabilitiesList: this.getEnabledCapabilities() }
  }
  onValidation() {
    return this.adapter().onValidation()
  }
  onPrepare() {
    return this.adapter().onPrepare()
  }
  onDeploy() {
    return this.adapter().onDeploy()
  }
  onVerify() {
    return this.adapter().onVerify()
  }
  onMonitor() {
    return this.adapter().onMonitor()
  }

  getMetadata() {
    return {
      orchestratorType: this.orchestratorType,
      deploymentMode: this.deploymentContext.mode,
      enabledCapabilities: this.getEnabledCapabilities(),
      capabilityCount: this.enabledCapabilities.size,
      validationLevel: this.deploymentContext.validationLevel,
      auditLevel: this.deploymentContext.auditLevel,
      systemAdapter: this.deploymentContext.mode,
      capabilities: [...this.availableCapabilities.values()],
    }
  }

  getCapabilityReport() {
    const capabilities = Object.fromEntries([...this.availableCapabilities].map(([name, definition]) => [name, { ...definition, enabled: this.enabledCapabilities.has(name), config: this.capabilityProviders.get(name) ?? null }]))
    return { timestamp: new Date().toISOString(), orchestrator: this.orchestratorType, totalAvailable: this.availableCapabilities.size, totalEnabled: this.enabledCapabilities.size, deploymentMode: this.deploymentContext.mode, capabilities }
  }
}

module.exports = { BaseDeploymentOrchestrator, PortfolioOrchestrator, SingleServiceOrchestrator, UnifiedDeploymentOrchestrator, DEPLOYMENT_PHASES, PHASE_SEQUENCE }
