// clodo/worker: helpers for code running inside a Worker (workerd), in plain
// JavaScript with no Node.js modules and no native code. A service deployed by
// clodo runs one worker per domain, with vars DOMAIN, ENVIRONMENT,
// SERVICE_NAME and DATABASE_NAME; these helpers read them.

/** The shape of one domain's configuration (what `validateDomainConfig` checks). */
export const createDomainConfigSchema = () => ({
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

/** Every problem of a domain configuration, each saying which field and what is expected. */
export function domainConfigProblems(config) {
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
      if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(host)) problems.push(`domains.${environment} is not a host name: "${host}"`)
    }
  }
  if (config.features !== undefined && (config.features === null || typeof config.features !== 'object')) problems.push('features must be an object of name → true/false')
  return problems
}

/** Throws one Error listing every problem; returns true for a valid configuration. */
export function validateDomainConfig(config) {
  const problems = domainConfigProblems(config)
  if (problems.length > 0) {
    const error = new Error(`Invalid domain configuration${config?.name ? ` ${config.name}` : ''}: ${problems.join('; ')}`)
    error.code = 'E_INVALID_INPUT'
    error.problems = problems
    throw error
  }
  return true
}

/**
 * The configuration of the domain this worker serves: the one named by the
 * DOMAIN var (or DOMAIN_NAME / CF_DOMAIN_NAME), else `default`. Never some other
 * domain's: with several configurations and no match, it throws.
 */
export function getDomainFromEnv(env, domainConfigs = {}) {
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

/** The domain configuration with the environment's settings and current host filled in. */
export function createEnvironmentConfig(baseConfig, environment = 'development') {
  const config = { ...baseConfig, settings: { ...baseConfig.settings } }
  config.settings.environment = environment
  config.settings.isProduction = environment === 'production'
  config.settings.isStaging = environment === 'staging'
  config.settings.isDevelopment = environment === 'development'
  if (config.domains?.[environment]) config.currentDomain = config.domains[environment]
  return config
}

/** Feature flags: a name is on only when set on (no flag is on by accident). */
export class FeatureFlagManager {
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

/** The flags of the domain this worker serves, set by `initializeService`. */
export const featureManager = new FeatureFlagManager()

/**
 * The service's context for this worker: its domain, environment and enabled
 * features (the domain configuration's, overridden by FEATURE_<NAME> vars
 * "true"/"false"), which feature guards then use.
 */
export function initializeService(env, domainConfigs = {}) {
  const domainConfig = getDomainFromEnv(env, domainConfigs)
  const environment = env?.ENVIRONMENT ?? env?.NODE_ENV ?? 'development'
  const features = { ...(domainConfig.features ?? {}) }
  for (const [key, value] of Object.entries(env ?? {})) {
    if (key.startsWith('FEATURE_') && (value === 'true' || value === 'false')) features[key.slice('FEATURE_'.length)] = value === 'true'
  }
  featureManager.setAll(features)
  return {
    domain: domainConfig.name,
    environment,
    service: env?.SERVICE_NAME,
    database: env?.DATABASE_NAME,
    features: featureManager.getEnabledFeatures(),
    config: createEnvironmentConfig(domainConfig, environment),
    env,
    isProduction: environment === 'production',
    isStaging: environment === 'staging',
    isDevelopment: environment === 'development',
  }
}

/**
 * `createFeatureGuard('SEARCH')(handler)`: the handler runs only while the
 * feature is on; otherwise a 404 JSON answer (or `fallbackResponse`).
 */
export function createFeatureGuard(featureName, { fallbackResponse = null, manager = featureManager } = {}) {
  return (handler) => async (request, env, ctx) => {
    if (manager.isEnabled(featureName)) return handler(request, env, ctx)
    if (fallbackResponse) return fallbackResponse.clone()
    const body = { error: 'Feature not available', feature: featureName, message: `The ${featureName} feature is not enabled for this domain` }
    return new Response(JSON.stringify(body), { status: 404, headers: { 'content-type': 'application/json' } })
  }
}

/** Middlewares (handler → handler) applied right to left, like function composition. */
export const composeMiddleware = (...middlewares) => (handler) => middlewares.reduceRight((h, m) => m(h), handler)

/**
 * Whether the D1 database answers and has `table`: `{ ready: true, rows }`,
 * or `{ ready: false, reason }` (e.g. its migrations have not run yet).
 */
export async function checkDatabase(db, table) {
  if (!db) return { ready: false, reason: 'no D1 binding' }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`checkDatabase: ${JSON.stringify(table)} is not a table name`)
  try {
    const { rows } = await db.prepare(`SELECT COUNT(*) AS rows FROM ${table}`).first()
    return { ready: true, rows }
  } catch (error) {
    return { ready: false, reason: `${error.message}: apply the migrations (npx wrangler d1 migrations apply DB --local)` }
  }
}
