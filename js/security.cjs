// clodo/security and clodo/security/cli: the original's security module. The
// checks and key generation are native (crate::security); deployWithSecurity,
// checkDeploymentReadiness, generateSecureConfig and generateConfiguration,
// stubs that threw in the original, do real work on clodo's classes.
'use strict'

const native = require('./native.cjs')

const { ConfigurationValidator, SecretGenerator, UnifiedConfigManager, MultiDomainOrchestrator, generateSecrets } = native

const rules = native.securityRules()
const INSECURE_PATTERNS = Object.freeze({
  ...rules.patterns,
  WEAK_JWT_PATTERNS: rules.patterns.WEAK_JWT_PATTERNS.map(({ source, flags }) => new RegExp(source, flags)),
})
const ENVIRONMENT_REQUIREMENTS = Object.freeze(rules.requirements)
ConfigurationValidator.INSECURE_PATTERNS = INSECURE_PATTERNS
ConfigurationValidator.ENVIRONMENT_REQUIREMENTS = ENVIRONMENT_REQUIREMENTS

/** An environment's requirements; an unknown environment gets production's. */
const getEnvironmentRequirements = (environment) => ENVIRONMENT_REQUIREMENTS[environment] ?? ENVIRONMENT_REQUIREMENTS.production

function coded(message, code, fields = {}) {
  return Object.assign(new Error(message), { code }, fields)
}

function requireNames(customer, environment) {
  if (!customer || !environment) throw coded('Customer and environment are required', 'E_INVALID_INPUT')
}

const HELP = {
  validate: 'validate <customer> <environment> - Validate configuration security',
  'generate-key': 'generate-key [type] [length] - Generate secure key (api/jwt)',
  deploy: 'deploy <customer> <environment> - Deploy with security validation',
  'generate-config': 'generate-config <customer> <environment> - Generate secure configuration',
  'check-readiness': 'check-readiness <customer> <environment> - Check deployment readiness',
}

/**
 * Security operations on customer records (`options.configDir`, default
 * `<cwd>/config/customers`). Options given to a call override the constructor's.
 */
class SecurityCLI {
  constructor(options = {}) {
    this.options = options
  }

  records(options) {
    return new UnifiedConfigManager({ ...this.options, ...options })
  }

  async validateConfiguration(customer, environment, options = {}) {
    try {
      requireNames(customer, environment)
      const result = ConfigurationValidator.validateConfiguration(customer, environment, { quiet: true, ...this.options, ...options })
      const message = result.valid ? 'Security validation passed' : 'Security issues found'
      return { success: result.valid, customer, environment, valid: result.valid, securityIssues: result.securityIssues, errors: result.errors, warnings: result.warnings, message }
    } catch (error) {
      return { success: false, customer, environment, error: error.message, code: error.code }
    }
  }

  /** `type` 'jwt', 'api', or a prefix for an API key. */
  generateKey(type = 'api', length) {
    try {
      const key = type === 'jwt' ? SecretGenerator.generateSecureJwtSecret(length) : SecretGenerator.generateSecureApiKey(length ?? 32, type && type !== 'api' ? type : '')
      return { success: true, type: type === 'jwt' ? 'JWT secret' : 'API key', key, length: key.length }
    } catch (error) {
      return { success: false, type, error: error.message, code: error.code }
    }
  }

  /**
   * Checks the record (`checkDeploymentReadiness`) and, when it is ready,
   * deploys the service for the record's domain with MultiDomainOrchestrator
   * (`options` are its options: servicePath, dryRun, credentials, …).
   * Not ready: rejects with E_INSECURE_CONFIG and the report.
   */
  async deployWithSecurity(customer, environment, options = {}) {
    const readiness = this.checkDeploymentReadiness(customer, environment, options)
    if (!readiness.ready) {
      throw coded(`${customer}/${environment} is not ready to deploy: ${readiness.blockers.join('; ')}`, 'E_INSECURE_CONFIG', { readiness })
    }
    const { configDir, projectRoot, ...deployOptions } = options
    const orchestrator = new MultiDomainOrchestrator({ environment, ...deployOptions, domains: [readiness.domain] })
    const deployment = await orchestrator.deployPortfolio()
    return { success: deployment.failed.length === 0, customer, environment, domain: readiness.domain, readiness, deployment }
  }

  /** Fresh values for every standard secret (never stored or printed; deploy them with EnhancedSecretManager). */
  generateSecureConfig(customer, environment) {
    requireNames(customer, environment)
    return { customer, environment, secrets: generateSecrets(), generatedAt: new Date().toISOString() }
  }

  /**
   * `{ ready, customer, environment, domain, blockers, warnings, securityIssues }`:
   * the record exists and loads (no template values, no missing fields), names
   * a domain, and passes the environment's security checks.
   */
  checkDeploymentReadiness(customer, environment, options = {}) {
    requireNames(customer, environment)
    const records = this.records(options)
    const inspection = records.inspectCustomerConfig(customer, environment)
    const blockers = []
    if (inspection.status !== 'ready') blockers.push(`the record is ${inspection.status}${inspection.reasons?.length ? ` (${inspection.reasons.join(', ')})` : ''}: ${inspection.path}`)
    for (const field of inspection.missingFields ?? []) blockers.push(`${field} is missing`)
    const raw = inspection.status === 'missing' ? null : records.readEnvFile(inspection.path)
    const domain = inspection.config?.domainName ?? raw?.DOMAIN ?? raw?.CUSTOMER_DOMAIN
    if (inspection.status === 'ready' && !domain) blockers.push('the record names no domain (DOMAIN)')
    const security = ConfigurationValidator.validateConfiguration(customer, environment, { quiet: true, ...this.options, ...options })
    if (inspection.status !== 'missing') blockers.push(...security.errors)
    return { ready: blockers.length === 0, customer, environment, domain, blockers, warnings: security.warnings, securityIssues: security.securityIssues }
  }

  getAvailableCommands() {
    return Object.keys(HELP)
  }

  getHelp(command) {
    if (command && HELP[command]) return HELP[command]
    const lines = Object.values(HELP).map((line) => `  ${line}`)
    return `Clodo Security CLI\n\nCommands:\n${lines.join('\n')}\n\nExamples:\n  validate acme production\n  generate-key jwt 64\n  generate-key payments`
  }
}

/** A structured answer for a failed deployment: `{ error, code, context, timestamp, stack? }`. */
function handleDeploymentError(error, context = {}) {
  const answer = { error: error?.message || 'Deployment failed', code: error?.code || 'DEPLOYMENT_ERROR', context, timestamp: new Date().toISOString() }
  if (error?.stack) answer.stack = error.stack
  return answer
}

/** `defaults` with a fresh value for every standard secret it lacks. */
async function generateConfiguration(defaults = {}) {
  return { ...generateSecrets(), ...defaults }
}

exports.ConfigurationValidator = ConfigurationValidator
exports.SecretGenerator = SecretGenerator
exports.SecurityCLI = SecurityCLI
exports.INSECURE_PATTERNS = INSECURE_PATTERNS
exports.ENVIRONMENT_REQUIREMENTS = ENVIRONMENT_REQUIREMENTS
exports.getEnvironmentRequirements = getEnvironmentRequirements
/** The issues of a flat set of variables for `environment`. */
exports.validateSecurity = (config, environment = 'production') => ConfigurationValidator.validate(config, environment)
/** `options.customer` and `options.environment`, the rest as for SecurityCLI#deployWithSecurity. */
exports.deployWithSecurity = ({ customer, environment, ...options } = {}) => new SecurityCLI().deployWithSecurity(customer, environment, options)
/** A key as text: `type` 'jwt' or 'api', `options` `{ length = 32, prefix }`. */
exports.generateSecureKey = (type = 'api', { length = 32, prefix = '' } = {}) =>
  type === 'jwt' ? SecretGenerator.generateSecureJwtSecret(length) : SecretGenerator.generateSecureApiKey(length, prefix)
exports.handleDeploymentError = handleDeploymentError
exports.generateConfiguration = generateConfiguration
