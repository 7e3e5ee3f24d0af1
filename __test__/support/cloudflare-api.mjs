// A stand-in for Cloudflare's REST API, for tests only: these machines cannot
// reach the real one. It answers the D1 and Workers endpoints wrangler calls, with the
// real envelope {success, errors, messages, result}, keeps what it was asked,
// and can be told to fail the next matching requests (429 with retry-after, 401).
// Wrangler reaches it through CLOUDFLARE_API_BASE_URL.
import http from 'node:http'
import { before, after } from 'node:test'
import { createHash, randomUUID } from 'node:crypto'
import { workersApi } from './workers-api.mjs'

/** `accountToken`: a second token, owned by the account: Cloudflare verifies it
 * only at /accounts/<id>/tokens/verify and refuses it at /user/tokens/verify
 * with code 1000 ("Invalid API Token"). The status of that refusal is not
 * documented; 401 here, and clodo goes by the code. */
export async function startCloudflareApi({ token, accountId, zones, accountToken }) {
  const databases = new Map() // uuid -> { uuid, name, migrations: [], hasMigrationsTable, queries: [] }
  const requests = []
  const routes = []
  const failures = []

  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
  const ok = (res, result) => send(res, 200, { success: true, errors: [], messages: [], result })
  const fail = (res, status, code, message, headers) =>
    send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers)

  const workers = workersApi({ accountId, ok, fail })
  const byIdOrName = (key) => databases.get(key) ?? [...databases.values()].find((db) => db.name === key)

  function query(db, sql) {
    db.queries.push(sql)
    const result = (results) => [{ results, success: true, meta: { duration: 1, changes: 0, rows_read: 0, rows_written: 0 } }]
    if (/CREATE TABLE IF NOT EXISTS d1_migrations/i.test(sql)) {
      db.hasMigrationsTable = true
      return result([])
    }
    if (/FROM\s+"?d1_migrations"?/i.test(sql)) {
      if (!db.hasMigrationsTable) return { error: 'no such table: d1_migrations: SQLITE_ERROR' }
      return result(db.migrations.map((m, i) => ({ id: i + 1, name: m.name, applied_at: m.appliedAt })))
    }
    if (/THIS_MIGRATION_FAILS/.test(sql)) return { error: 'near "THIS_MIGRATION_FAILS": syntax error: SQLITE_ERROR' }
    const applied = sql.match(/INSERT INTO d1_migrations \(name\)\s*values \('([^']+)'\)/i)
    if (applied) db.migrations.push({ name: applied[1], appliedAt: new Date().toISOString().slice(0, 19).replace('T', ' ') })
    return result([])
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1')
    let body = ''
    for await (const chunk of req) body += chunk
    const request = { method: req.method, path: url.pathname, search: url.search, authorization: req.headers.authorization, body, at: Date.now() }
    requests.push(request)

    const failure = failures.find((f) => f.count > 0 && f.method === req.method && f.path.test(url.pathname))
    if (failure) {
      failure.count--
      const headers = failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) }
      return fail(res, failure.status, failure.code, failure.message, headers)
    }
    const bearer = req.headers.authorization
    const ownedByAccount = accountToken !== undefined && bearer === `Bearer ${accountToken}`
    if (bearer !== `Bearer ${token}` && !ownedByAccount) return fail(res, 401, 10000, 'Authentication error')

    if (url.pathname === '/client/v4/user/tokens/verify') {
      return ownedByAccount ? fail(res, 401, 1000, 'Invalid API Token') : ok(res, { id: 'token-id', status: 'active' })
    }
    if (url.pathname === `/client/v4/accounts/${accountId}/tokens/verify`) {
      return ownedByAccount ? ok(res, { id: 'account-token-id', status: 'active', expires_on: '2027-01-01T00:00:00Z' }) : fail(res, 401, 1000, 'Invalid API Token')
    }
    if (url.pathname === '/client/v4/memberships') return ok(res, [{ account: { id: accountId, name: 'Test account' } }])
    if (url.pathname === '/client/v4/accounts') return ok(res, [{ id: accountId, name: 'Test account' }])
    if (url.pathname === '/client/v4/user') return fail(res, 403, 9109, 'Unauthorized to access requested resource')

    if (workers.handle(req, res, url.pathname, url.search, body) !== false) return
    // The account's zones: the ones given, else every registrable name (two labels, like example.com).
    if (url.pathname === '/client/v4/zones' && req.method === 'GET') {
      const name = url.searchParams.get('name')
      const known = (n) => (zones ? zones.includes(n) : n.split('.').length === 2)
      const zone = (n) => ({ id: createHash('md5').update(n).digest('hex'), name: n, status: 'active', account: { id: accountId, name: 'Test account' } })
      if (name === null) return ok(res, (zones ?? []).map(zone))
      return ok(res, known(name) ? [zone(name)] : [])
    }
    // Zone routes (pattern -> worker); custom domains are not among them.
    const zoneRoutes = url.pathname.match(/^\/client\/v4\/zones\/([0-9a-f]+)\/workers\/routes$/)
    if (zoneRoutes && req.method === 'GET') return ok(res, routes.filter((r) => r.zone === zoneRoutes[1]))
    if (zoneRoutes && req.method === 'POST') {
      const { pattern, script } = JSON.parse(body)
      const route = { id: randomUUID(), zone: zoneRoutes[1], pattern, script }
      routes.push(route)
      return ok(res, route)
    }

    const prefix = `/client/v4/accounts/${accountId}/d1/database`
    if (!url.pathname.startsWith(prefix)) return fail(res, 404, 7003, `No route for ${req.method} ${url.pathname}`)
    const rest = url.pathname.slice(prefix.length).split('/').filter(Boolean)

    if (rest.length === 0 && req.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? 1)
      const perPage = Number(url.searchParams.get('per_page') ?? 10)
      const all = [...databases.values()].map(({ uuid, name }) => ({ uuid, name, version: 'production', created_at: '2026-11-01T00:00:00.000Z' }))
      return ok(res, all.slice((page - 1) * perPage, page * perPage))
    }
    if (rest.length === 0 && req.method === 'POST') {
      const { name } = JSON.parse(body)
      if ([...databases.values()].some((db) => db.name === name)) return fail(res, 400, 7502, 'A database with that name already exists')
      const db = { uuid: randomUUID(), name, migrations: [], hasMigrationsTable: false, queries: [] }
      databases.set(db.uuid, db)
      return ok(res, { uuid: db.uuid, name, created_in_region: 'WEUR' })
    }
    const db = byIdOrName(decodeURIComponent(rest[0]))
    if (!db) return fail(res, 404, 7404, 'The database could not be found')
    if (rest.length === 1 && req.method === 'DELETE') {
      databases.delete(db.uuid)
      return ok(res, null)
    }
    if (rest.length === 1 && req.method === 'GET') {
      return ok(res, { uuid: db.uuid, name: db.name, version: 'production', num_tables: 1, file_size: 8192, running_in_region: 'WEUR', created_at: '2026-11-01T00:00:00.000Z' })
    }
    if (rest[1] === 'query' && req.method === 'POST') {
      const outcome = query(db, JSON.parse(body).sql)
      if (outcome.error) return fail(res, 400, 7500, outcome.error)
      return ok(res, outcome)
    }
    if (rest[1] === 'time_travel' && rest[2] === 'bookmark') {
      return ok(res, { bookmark: `0000000${db.queries.length}-00000001-00004e4a-${db.uuid.replaceAll('-', '')}` })
    }
    if (rest[1] === 'time_travel' && rest[2] === 'restore' && req.method === 'POST') {
      const bookmark = url.searchParams.get('bookmark')
      return ok(res, { bookmark, previous_bookmark: `00000099-00000001-00004e4a-${db.uuid.replaceAll('-', '')}`, message: 'Database restored to bookmark' })
    }
    return fail(res, 404, 7003, `No route for ${req.method} ${url.pathname}`)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => fail(res, 500, 7500, String(e)))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    databases,
    /** Script name -> { versions (newest first), deployments (newest first), secrets: Map, subdomain, domains }. */
    workers: workers.workers,
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
export function cloudflareApiForTests({ token, accountId, zones, accountToken }) {
  const api = {}
  before(async () => {
    Object.assign(api, await startCloudflareApi({ token, accountId, zones, accountToken }))
    process.env.CLOUDFLARE_API_BASE_URL = api.baseUrl
  })
  after(() => api.close())
  return api
}
