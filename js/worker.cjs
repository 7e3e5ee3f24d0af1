// The in-worker helpers (clodo/worker): plain JavaScript with no Node.js
// module and no native code, so wrangler bundles them into a Worker and Node
// loads them too. A service deployed by clodo runs one worker per domain,
// with vars DOMAIN, ENVIRONMENT, SERVICE_NAME and DATABASE_NAME; these read them.
'use strict'

const {
  createDomainConfigSchema,
  domainConfigProblems,
  validateDomainConfig,
  getDomainFromEnv,
  createEnvironmentConfig,
  FeatureFlagManager,
  featureManager,
} = require('./domain-config.cjs')

/** The original's feature names with its defaults; a domain's configuration can start from them (`features: { ...COMMON_FEATURES }`). */
const COMMON_FEATURES = Object.freeze({
  ENABLE_ENHANCED_SCHEMA: true,
  ENABLE_SCHEMA_CACHING: true,
  ENABLE_COMPREHENSIVE_VALIDATION: true,
  ENABLE_SQL_CACHING: true,
  ENABLE_QUERY_CACHING: true,
  ENABLE_SECURITY_CONTROLS: true,
  ENABLE_ADVANCED_PAGINATION: true,
  ENABLE_RELATIONSHIP_LOADING: true,
  ENABLE_ENHANCED_HOOKS: true,
  ENABLE_HOOK_TIMEOUT: true,
  ENABLE_HOOK_METRICS: true,
  ENABLE_PARALLEL_EXECUTION: true,
  ENABLE_PERFORMANCE_MONITORING: true,
  ENABLE_CACHE_METRICS: true,
  ENABLE_QUERY_OPTIMIZATION: true,
  ENABLE_DEBUG_LOGGING: false,
  ENABLE_DEVELOPMENT_MODE: false,
  ENABLE_STRICT_VALIDATION: false,
  ENABLE_LEGACY_COMPATIBILITY: true,
  ENABLE_DEPRECATION_WARNINGS: true,
  ENABLE_MIGRATION_HELPERS: true,
  AUTHENTICATION: true,
  AUTHORIZATION: true,
  LOGGING: true,
  MONITORING: true,
  CACHING: true,
  RATE_LIMITING: true,
  FILE_STORAGE: true,
})

/**
 * The worker's feature flags, as set by `setDomain(config)` or
 * `initializeService`; guards read the same flags. Nothing is on before
 * (the original reported COMMON_FEATURES as on for every domain).
 */
const configManager = {
  setDomain(domainConfig) {
    featureManager.setAll(domainConfig?.features ?? {})
  },
  getEnabledFeatures: () => featureManager.getEnabledFeatures(),
  isFeatureEnabled: (feature) => featureManager.isEnabled(feature),
}

/**
 * The service's context for this worker: its domain, environment and enabled
 * features (the domain configuration's, overridden by FEATURE_<NAME> vars
 * "true"/"false"), which feature guards then use.
 */
function initializeService(env, domainConfigs = {}) {
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
function createFeatureGuard(featureName, { fallbackResponse = null, manager = featureManager } = {}) {
  return (handler) => async (request, env, ctx) => {
    if (manager.isEnabled(featureName)) return handler(request, env, ctx)
    if (fallbackResponse) return fallbackResponse.clone()
    const body = { error: 'Feature not available', feature: featureName, message: `The ${featureName} feature is not enabled for this domain` }
    return new Response(JSON.stringify(body), { status: 404, headers: { 'content-type': 'application/json' } })
  }
}

const json = (body, status, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

/** A copy of `response` with `headers` set (a fetched response's own headers cannot be changed). */
function withHeaders(response, headers) {
  const copy = new Response(response.body, response)
  for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value)
  return copy
}

/** `createRouteGuard({ SEARCH: true })(handler)`: 403 JSON naming the first required feature that is off. */
function createRouteGuard(routeConfig = {}, { manager = featureManager } = {}) {
  return (handler) => async (request, env, ctx) => {
    const missing = Object.entries(routeConfig).find(([feature, required]) => required && !manager.isEnabled(feature))
    if (!missing) return handler(request, env, ctx)
    const [feature] = missing
    return json({ error: 'Feature required', feature, message: `This endpoint requires the ${feature} feature` }, 403)
  }
}

/** The handler runs only where ENVIRONMENT (or NODE_ENV, default development) is allowed; elsewhere 404. */
function createEnvironmentGuard(allowedEnvironments = ['production', 'staging']) {
  return (handler) => async (request, env, ctx) => {
    const current = env?.ENVIRONMENT ?? env?.NODE_ENV ?? 'development'
    if (allowedEnvironments.includes(current)) return handler(request, env, ctx)
    return new Response('Not Found', { status: 404 })
  }
}

/**
 * At most `maxRequests` per client (CF-Connecting-IP) in `windowMs`, counted
 * in this isolate's memory (so per location and best effort: for a hard limit
 * use Cloudflare's rate limiting binding); over it a 429 with Retry-After.
 */
function createRateLimitGuard({ windowMs = 60000, maxRequests = 100, skipSuccessfulRequests = false, skipFailedRequests = false } = {}) {
  const clients = new Map()
  return (handler) => async (request, env, ctx) => {
    const now = Date.now()
    for (const [id, entry] of clients) if (entry.resetAt <= now) clients.delete(id)
    const id = request.headers.get('CF-Connecting-IP') ?? 'anonymous'
    const entry = clients.get(id) ?? { count: 0, resetAt: now + windowMs }
    entry.count += 1
    clients.set(id, entry)
    if (entry.count > maxRequests) {
      const retryAfter = Math.ceil((entry.resetAt - now) / 1000)
      return json({ error: 'Too many requests', retryAfter }, 429, { 'Retry-After': String(retryAfter) })
    }
    const response = await handler(request, env, ctx)
    if ((skipSuccessfulRequests && response.ok) || (skipFailedRequests && !response.ok)) entry.count -= 1
    return response
  }
}

/**
 * CORS for `origins` (`['*']` by default): preflights answered here (403 for
 * an origin not allowed), other answers get the Access-Control headers.
 */
function createCorsMiddleware({ origins = ['*'], methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'], headers = ['Content-Type', 'Authorization'], credentials = false, maxAge = 86400 } = {}) {
  const wildcard = origins.includes('*')
  const corsHeaders = (origin) => ({
    'Access-Control-Allow-Origin': wildcard ? '*' : origin,
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Allow-Headers': headers.join(', '),
    ...(credentials ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
    ...(wildcard ? {} : { Vary: 'Origin' }),
  })
  return (handler) => async (request, env, ctx) => {
    const origin = request.headers.get('Origin')
    const allowed = wildcard || (origin !== null && origins.includes(origin))
    if (request.method === 'OPTIONS') {
      if (!allowed) return new Response('CORS policy violation: Origin not allowed', { status: 403, headers: { 'content-type': 'text/plain' } })
      return new Response(null, { status: 200, headers: { ...corsHeaders(origin), 'Access-Control-Max-Age': String(maxAge) } })
    }
    const response = await handler(request, env, ctx)
    return allowed ? withHeaders(response, corsHeaders(origin)) : response
  }
}

/**
 * A thrown error becomes a 500 JSON answer `{ error, message }` (with `stack`
 * when `includeStack`), shaped by `transformError(error, body)` when given,
 * and logged with the request's method and URL unless `logErrors: false`.
 */
function createErrorHandler({ includeStack = false, logErrors = true, transformError = null } = {}) {
  return (handler) => async (request, env, ctx) => {
    try {
      return await handler(request, env, ctx)
    } catch (error) {
      if (logErrors) console.error(`Request error: ${error?.message}`, { method: request.method, url: request.url })
      let body = { error: 'Internal Server Error', message: error?.message, ...(includeStack ? { stack: error?.stack } : {}) }
      if (transformError) body = transformError(error, body)
      return json(body, 500)
    }
  }
}

/** Whether two strings are equal, in a time that does not depend on where they first differ. */
function sameSecret(given, expected) {
  const [a, b] = [new TextEncoder().encode(given), new TextEncoder().encode(expected)]
  let difference = a.length ^ b.length
  for (let i = 0; i < b.length; i++) difference |= (a[i] ?? 0) ^ b[i]
  return difference === 0
}

/** A middleware that lets a request through when `credential(request)` equals the `secret` env value. */
function requireSecret(secret, exempt, credential, challenge) {
  return (handler) => async (request, env, ctx) => {
    if (exempt.includes(new URL(request.url).pathname)) return handler(request, env, ctx)
    const expected = env?.[secret]
    if (typeof expected !== 'string' || expected === '') return json({ error: 'Server misconfigured', message: `the ${secret} secret is not set` }, 500)
    const given = credential(request)
    if (given === null || !sameSecret(given, expected)) return json({ error: 'Unauthorized' }, 401, challenge)
    return handler(request, env, ctx)
  }
}

/** Requests need `Authorization: Bearer <the secret env value>` (default AUTH_TOKEN); `exempt` paths do not. */
function createBearerAuth({ secret = 'AUTH_TOKEN', exempt = ['/health'] } = {}) {
  const bearer = (request) => request.headers.get('Authorization')?.match(/^Bearer (.+)$/)?.[1] ?? null
  return requireSecret(secret, exempt, bearer, { 'WWW-Authenticate': 'Bearer' })
}

/** Requests need the `header` (default X-API-Key) set to the secret env value (default API_KEY); `exempt` paths do not. */
function createApiKeyAuth({ secret = 'API_KEY', header = 'X-API-Key', exempt = ['/health'] } = {}) {
  return requireSecret(secret, exempt, (request) => request.headers.get(header), {})
}

/** A worker object (`export default { fetch, … }`) whose fetch goes through `middlewares`; its other handlers stay. */
function withMiddleware(worker, ...middlewares) {
  if (typeof worker?.fetch !== 'function') throw new TypeError('withMiddleware needs a worker object with a fetch handler')
  return { ...worker, fetch: composeMiddleware(...middlewares)((request, env, ctx) => worker.fetch(request, env, ctx)) }
}

/** Middlewares (handler → handler) applied right to left, like function composition. */
const composeMiddleware = (...middlewares) => (handler) => middlewares.reduceRight((h, m) => m(h), handler)

/**
 * Whether the D1 database answers and has `table`: `{ ready: true, rows }`,
 * or `{ ready: false, reason }` (e.g. its migrations have not run yet).
 */
async function checkDatabase(db, table) {
  if (!db) return { ready: false, reason: 'no D1 binding' }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`checkDatabase: ${JSON.stringify(table)} is not a table name`)
  try {
    const { rows } = await db.prepare(`SELECT COUNT(*) AS rows FROM ${table}`).first()
    return { ready: true, rows }
  } catch (error) {
    return { ready: false, reason: `${error.message}: apply the migrations (npx wrangler d1 migrations apply DB --local)` }
  }
}

exports.createDomainConfigSchema = createDomainConfigSchema
exports.domainConfigProblems = domainConfigProblems
exports.validateDomainConfig = validateDomainConfig
exports.getDomainFromEnv = getDomainFromEnv
exports.createEnvironmentConfig = createEnvironmentConfig
exports.FeatureFlagManager = FeatureFlagManager
exports.featureManager = featureManager
exports.initializeService = initializeService
exports.createFeatureGuard = createFeatureGuard
exports.createRouteGuard = createRouteGuard
exports.createEnvironmentGuard = createEnvironmentGuard
exports.createRateLimitGuard = createRateLimitGuard
exports.createCorsMiddleware = createCorsMiddleware
exports.createErrorHandler = createErrorHandler
exports.checkDatabase = checkDatabase
exports.COMMON_FEATURES = COMMON_FEATURES
exports.configManager = configManager
exports.composeMiddleware = composeMiddleware
exports.createBearerAuth = createBearerAuth
exports.createApiKeyAuth = createApiKeyAuth
exports.withMiddleware = withMiddleware
