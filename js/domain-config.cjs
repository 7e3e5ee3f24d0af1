// Domain configurations and feature flags: plain JavaScript with no Node.js
// module, shared by clodo/config (Node) and clodo/worker (inside workerd).
'use strict'

/** The shape of one domain's configuration (what `validateDomainConfig` checks). */
const createDomainConfigSchema = () => ({
  name: '',
  displayName: '',
  accountId: '',
  zoneId: '',
  domains: { production: '', staging: '', development: '' },
  services: {},
  databases: {},
  features: {},
  settings: { environment: 'development', logLevel: 'info', corsOrigins: ['*'] },
})

const CLOUDFLARE_ID = /^[a-f0-9]{32}$/
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i

/** Every problem of a domain configuration, each saying which field and what is expected. */
function domainConfigProblems(config) {
  if (config === null || typeof config !== 'object') return ['the domain configuration must be an object']
  const problems = []
  for (const field of ['name', 'accountId', 'zoneId']) {
    if (typeof config[field] !== 'string' || config[field].trim() === '') problems.push(`${field} is required`)
  }
  for (const field of ['accountId', 'zoneId']) {
    if (typeof config[field] === 'string' && config[field] !== '' && !CLOUDFLARE_ID.test(config[field])) {
      problems.push(`${field} must be a Cloudflare id (32 lowercase hex characters), got "${config[field]}"`)
    }
  }
  if (config.domains === null || typeof config.domains !== 'object') {
    problems.push('domains must be an object with production / staging / development host names')
  } else {
    const hosts = Object.entries(config.domains).filter(([, host]) => typeof host === 'string' && host.trim() !== '')
    if (hosts.length === 0) problems.push('domains needs at least one host name (production, staging or development)')
    for (const [environment, host] of hosts) {
      if (!HOST_NAME.test(host)) problems.push(`domains.${environment} is not a host name: "${host}"`)
    }
  }
  if (config.features !== undefined && (config.features === null || typeof config.features !== 'object')) problems.push('features must be an object of name → true/false')
  return problems
}

/** Throws one Error listing every problem (`code` E_INVALID_INPUT, `problems`); returns true for a valid configuration. */
function validateDomainConfig(config) {
  const problems = domainConfigProblems(config)
  if (problems.length > 0) {
    const error = new Error(`Invalid domain configuration${config?.name ? ` ${config.name}` : ''}: ${problems.join('; ')}`)
    error.code = 'E_INVALID_INPUT'
    error.problems = problems
    throw error
  }
  return true
}

const isPlainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value)

/** `source` over `target`, objects merged key by key, arrays and scalars replaced; neither is changed. */
function deepMerge(target, source) {
  const merged = { ...target }
  for (const [key, value] of Object.entries(source ?? {})) {
    merged[key] = isPlainObject(value) ? deepMerge(isPlainObject(merged[key]) ? merged[key] : {}, value) : value
  }
  return merged
}

/** Throws `Missing required fields: a, b` when any field is missing or empty. */
function validateRequired(object, requiredFields) {
  const missing = requiredFields.filter((field) => !object?.[field])
  if (missing.length > 0) {
    const error = new Error(`Missing required fields: ${missing.join(', ')}`)
    error.code = 'E_INVALID_INPUT'
    throw error
  }
}

/** A service's extensions over a base domain configuration, checked. */
function mergeDomainConfigs(baseConfig, serviceConfig) {
  if (!baseConfig || !serviceConfig) {
    const error = new Error('Both baseConfig and serviceConfig are required for merging')
    error.code = 'E_INVALID_INPUT'
    throw error
  }
  const merged = deepMerge(baseConfig, serviceConfig)
  validateDomainConfig(merged)
  return merged
}

function domainNotFound(name) {
  const error = new Error(`Domain not found: ${name}`)
  error.code = 'E_NOT_FOUND'
  return error
}

/** Domain configurations by name: `get`, `list`, `validateAll`, `add` (checked), `remove`. */
function createDomainRegistry(domainConfigs = {}) {
  const registry = new Map(Object.entries(domainConfigs))
  return {
    get(name) {
      if (!registry.has(name)) throw domainNotFound(name)
      return registry.get(name)
    },
    list: () => [...registry.keys()],
    validateAll() {
      for (const config of registry.values()) validateDomainConfig(config)
    },
    add(name, config) {
      validateDomainConfig(config)
      registry.set(name, config)
    },
    remove(name) {
      if (!registry.delete(name)) throw domainNotFound(name)
    },
  }
}

/**
 * The configuration of the domain this worker serves: the one named by the
 * DOMAIN var (or DOMAIN_NAME / CF_DOMAIN_NAME), else `default`. Never some other
 * domain's: with several configurations and no match, it throws.
 */
function getDomainFromEnv(env, domainConfigs = {}) {
  const wanted = env?.DOMAIN ?? env?.DOMAIN_NAME ?? env?.CF_DOMAIN_NAME
  const byHost = Object.values(domainConfigs).find((c) => c && Object.values(c.domains ?? {}).includes(wanted))
  const found = (wanted && (domainConfigs[wanted] ?? byHost)) ?? domainConfigs.default
  if (found) return found
  const names = Object.keys(domainConfigs)
  if (names.length === 0 && wanted) {
    // No configurations given: what clodo's vars say is the whole configuration.
    return { ...createDomainConfigSchema(), name: wanted, domains: { [env.ENVIRONMENT ?? 'development']: wanted } }
  }
  throw new Error(`No domain configuration for ${wanted ?? '(no DOMAIN var)'}: known are ${names.join(', ') || 'none'}; add one or a "default"`)
}

/** The domain configuration with the environment's settings and current host filled in; production turns error reporting and monitoring on. */
function createEnvironmentConfig(baseConfig, environment = 'development') {
  const config = { ...baseConfig, settings: { ...baseConfig.settings } }
  config.settings.environment = environment
  config.settings.isProduction = environment === 'production'
  config.settings.isStaging = environment === 'staging'
  config.settings.isDevelopment = environment === 'development'
  if (config.domains?.[environment]) config.currentDomain = config.domains[environment]
  if (environment === 'production') config.features = { ...config.features, errorReporting: true, monitoring: true }
  return config
}

/** Feature flags: a name is on only when set on (no flag is on by accident). */
class FeatureFlagManager {
  constructor(features = {}) {
    this.features = new Map()
    this.setAll(features)
  }

  /** Replaces every flag with `features` (name → boolean). */
  setAll(features = {}) {
    this.features.clear()
    for (const [name, on] of Object.entries(features)) this.features.set(name, on === true)
  }

  isEnabled(feature) {
    return this.features.get(feature) === true
  }

  enable(feature) {
    this.features.set(feature, true)
  }

  disable(feature) {
    this.features.set(feature, false)
  }

  /** `enhanced()` when the feature is on, else `legacy()` (or undefined without one). */
  withFeature(feature, enhanced, legacy = null) {
    if (this.isEnabled(feature)) return enhanced()
    return legacy ? legacy() : undefined
  }

  getAllFeatures() {
    return Object.fromEntries([...this.features].map(([name, enabled]) => [name, { enabled }]))
  }

  getEnabledFeatures() {
    return [...this.features].filter(([, on]) => on).map(([name]) => name)
  }
}

/** The shared flags (a worker's, once `initializeService` ran). */
const featureManager = new FeatureFlagManager()

/** The original's feature names (several spellings share one flag). */
const FEATURES = Object.freeze({
  ENHANCED_SCHEMA: 'enhanced_schema',
  ENHANCED_VALIDATION: 'enhanced_validation',
  ENABLE_COMPREHENSIVE_VALIDATION: 'enhanced_validation',
  ENABLE_SQL_CACHING: 'sql_caching',
  ENABLE_SCHEMA_CACHING: 'schema_caching',
  ENABLE_ADVANCED_QUERIES: 'advanced_queries',
  ENABLE_SECURITY_CONTROLS: 'security_controls',
  ENABLE_QUERY_CACHING: 'query_caching',
  ENABLE_ADVANCED_PAGINATION: 'advanced_pagination',
  ENABLE_CACHE_METRICS: 'cache_metrics',
  ENABLE_DEBUG_LOGGING: 'debug_logging',
  ENABLE_ENHANCED_SCHEMA: 'enhanced_schema',
  ENABLE_HOOK_METRICS: 'hook_metrics',
  ENABLE_HOOK_TIMEOUT: 'hook_timeout',
  ENABLE_ENHANCED_HOOKS: 'enhanced_hooks',
  ENABLE_PARALLEL_EXECUTION: 'parallel_execution',
})

exports.createDomainConfigSchema = createDomainConfigSchema
exports.domainConfigProblems = domainConfigProblems
exports.validateDomainConfig = validateDomainConfig
exports.deepMerge = deepMerge
exports.validateRequired = validateRequired
exports.mergeDomainConfigs = mergeDomainConfigs
exports.createDomainRegistry = createDomainRegistry
exports.getDomainFromEnv = getDomainFromEnv
exports.createEnvironmentConfig = createEnvironmentConfig
exports.FeatureFlagManager = FeatureFlagManager
exports.featureManager = featureManager
exports.FEATURES = FEATURES
