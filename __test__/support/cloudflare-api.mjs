// A stand-in for Cloudflare's REST API, for tests only: these machines cannot
// reach the real one. It answers the account, zone, D1, Workers, KV, R2 and Queues endpoints
// clodo and wrangler call, with the real envelope {success, errors, messages,
// result}, `result_info` on pages, and the refusals the real API makes (each
// says where it was learned, or that it could not be); it keeps what it was
// asked, and can be told to fail the next matching requests (429 with
// retry-after, 401). Wrangler reaches it through CLOUDFLARE_API_BASE_URL.
// Request and response shapes were checked against the types of Cloudflare's
// TypeScript SDK 5.2.0 (the version wrangler 4.86 bundles): list params and
// result_info, zone filters, D1 export/import, deployments and custom domains.
import http from 'node:http'
import { before, after } from 'node:test'
import { workersApi } from './workers-api.mjs'
import { d1Api } from './d1-api.mjs'
import { zonesApi } from './zones-api.mjs'
import { storageApi } from './storage-api.mjs'
import { pageOf } from './paging.mjs'

export { newDatabase } from './d1-api.mjs'
export { newWorker } from './workers-api.mjs'

/** `accountToken`: a second token, owned by the account: Cloudflare verifies it
 * only at /accounts/<id>/tokens/verify and refuses it at /user/tokens/verify
 * with code 1000 ("Invalid API Token"). The status of that refusal is not
 * documented; 401 here, and clodo goes by the code.
 * `zones`: see zones-api.mjs. `workersDevSubdomain`: the account's, or null for a fresh account without one.
 * `rateLimit`: Cloudflare's is 1,200 requests per five minutes per token, and a client over it is blocked for
 * five minutes (developers.cloudflare.com/fundamentals/api/reference/limits); tests shrink both.
 * `latencyMs`: how long every answer takes (benchmarks: a round trip to Cloudflare's API). */
export async function startCloudflareApi({ token, accountId, zones, accountToken, workersDevSubdomain = 'clodo-tests', rateLimit = { quota: 1200, windowSeconds: 300, blockSeconds: 300 }, latencyMs = 0 }) {
  const requests = []
  const failures = []
  const budgets = new Map() // authorization -> { windowStart, count, blockedUntil }

  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
  const ok = (res, result, extra = {}) => send(res, 200, { success: true, errors: [], messages: [], result, ...extra })
  const fail = (res, status, code, message, headers) =>
    send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers)

  // Every answer says what is left (Ratelimit, Ratelimit-Policy); a request over the quota blocks its token for
  // blockSeconds, and each one during the block is refused with retry-after (code 971, as wrangler's tests use).
  function overBudget(req, res) {
    const now = Date.now()
    const key = req.headers.authorization ?? ''
    const budget = budgets.get(key) ?? { windowStart: now, count: 0, blockedUntil: 0 }
    budgets.set(key, budget)
    // A window ends after windowSeconds, or when its block does.
    const blockOver = budget.blockedUntil > 0 && now >= budget.blockedUntil
    if (blockOver || now - budget.windowStart >= rateLimit.windowSeconds * 1000) Object.assign(budget, { windowStart: now, count: 0, blockedUntil: 0 })
    if (budget.blockedUntil === 0) budget.count++
    if (budget.count > rateLimit.quota && budget.blockedUntil === 0) budget.blockedUntil = now + rateLimit.blockSeconds * 1000
    // A block ends its window: what is left resets when the block ends.
    const reset = Math.ceil((budget.blockedUntil > 0 ? budget.blockedUntil - now : budget.windowStart + rateLimit.windowSeconds * 1000 - now) / 1000)
    res.setHeader('ratelimit', `"default";r=${Math.max(0, rateLimit.quota - budget.count)};t=${reset}`)
    res.setHeader('ratelimit-policy', `"default";q=${rateLimit.quota};w=${rateLimit.windowSeconds}`)
    if (budget.blockedUntil === 0) return false
    fail(res, 429, 971, 'Please wait and consider throttling your request speed', { 'retry-after': String(Math.ceil((budget.blockedUntil - now) / 1000)) })
    return true
  }

  const d1 = d1Api({ accountId, ok, fail })
  const zoneApi = zonesApi({ accountId, zones, ok, fail })
  const storage = storageApi({ accountId, ok, fail })
  const workers = workersApi({ accountId, ok, fail, databaseExists: d1.exists, storageRefused: storage.refusedBinding, zoneServing: zoneApi.zoneServing, workersDevSubdomain })

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1')
    let body = ''
    for await (const chunk of req) body += chunk
    const request = { method: req.method, path: url.pathname, search: url.search, authorization: req.headers.authorization, agent: req.headers['user-agent'], body, at: Date.now() }
    requests.push(request)
    res.on('finish', () => { request.status = res.statusCode })
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))

    const failure = failures.find((f) => f.count > 0 && f.method === req.method && f.path.test(url.pathname))
    if (failure) {
      failure.count--
      const headers = failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) }
      return fail(res, failure.status, failure.code, failure.message, headers)
    }
    if (d1.handleSigned(req, res, url, body) !== false) return
    if (overBudget(req, res)) return
    if (workers.uploadAssets(req, res, url, body) !== false) return
    // A missing or malformed Authorization header is a 400 (9106; 6003 with 6111), a token Cloudflare does not
    // know a 403 (10000, as wrangler's isAuthenticationError expects). Learned from the API's answers quoted in
    // workers-sdk issues; the verify endpoints answer 401 with 1000 (Cloudflare's API reference, "Verify Token").
    const bearer = req.headers.authorization
    if (bearer === undefined) return fail(res, 400, 9106, 'Missing X-Auth-Key, X-Auth-Email or Authorization headers')
    if (!/^Bearer [A-Za-z0-9._~+/=-]+$/.test(bearer)) {
      return send(res, 400, { success: false, errors: [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }], messages: [], result: null })
    }
    const ownedByAccount = accountToken !== undefined && bearer === `Bearer ${accountToken}`
    const verifying = url.pathname.endsWith('/tokens/verify')
    if (bearer !== `Bearer ${token}` && !ownedByAccount) return verifying ? fail(res, 401, 1000, 'Invalid API Token') : fail(res, 403, 10000, 'Authentication error')

    if (url.pathname === '/client/v4/user/tokens/verify') {
      return ownedByAccount ? fail(res, 401, 1000, 'Invalid API Token') : ok(res, { id: 'token-id', status: 'active' })
    }
    if (url.pathname === `/client/v4/accounts/${accountId}/tokens/verify`) {
      return ownedByAccount ? ok(res, { id: 'account-token-id', status: 'active', expires_on: '2027-01-01T00:00:00Z' }) : fail(res, 401, 1000, 'Invalid API Token')
    }
    // Accounts and memberships come in pages of 5..50, default 20 (Cloudflare's API reference, "List Accounts").
    const paged = (items) => {
      const page = pageOf(items, url.searchParams, { min: 5, max: 50, fallback: 20 })
      return page.error ? fail(res, 400, 1001, page.error) : ok(res, page.result, { result_info: page.result_info })
    }
    const account = { id: accountId, name: 'Test account' }
    if (url.pathname === '/client/v4/memberships') return paged([{ account }])
    if (url.pathname === '/client/v4/accounts') return paged([account])
    if (url.pathname === `/client/v4/accounts/${accountId}`) return ok(res, account)
    if (url.pathname === '/client/v4/user') return fail(res, 403, 9109, 'Unauthorized to access requested resource')

    for (const part of [workers, d1, zoneApi, storage]) if (part.handle(req, res, url, body) !== false) return
    return fail(res, 404, 7003, `No route for ${req.method} ${url.pathname}`)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => fail(res, 500, 7500, String(e)))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    databases: d1.databases,
    /** KV namespaces (id -> { id, title }), R2 buckets (name -> bucket) and queues (id -> queue with consumers). */
    namespaces: storage.namespaces,
    buckets: storage.buckets,
    queues: storage.queues,
    /** Script name -> { versions (newest first), deployments (newest first), secrets: Map, subdomain, domains }. */
    workers: workers.workers,
    /** Asset files stored for the account, by content hash. */
    assets: workers.assets,
    addWorker: workers.addWorker,
    requests,
    /** The next `count` requests matching method and path get this error. */
    failNext({ method = 'POST', path, status, code, message, retryAfter, count = 1 }) {
      failures.push({ method, path, status, code, message, retryAfter, count })
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/** Starts the stand-in before a test file's tests and points wrangler at it
 * (CLOUDFLARE_API_BASE_URL); stops it after. The object fills in at start. */
export function cloudflareApiForTests(options) {
  const api = {}
  before(async () => {
    Object.assign(api, await startCloudflareApi(options))
    process.env.CLOUDFLARE_API_BASE_URL = api.baseUrl
  })
  after(() => api.close())
  return api
}
