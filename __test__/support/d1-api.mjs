// The D1 part of the Cloudflare API stand-in (tests only): databases, queries
// with wrangler's `d1_migrations` bookkeeping (a small model of SQL: tables,
// their schemas and row counts), exports and imports as wrangler drives them,
// and Time Travel bookmarks that really restore. Where a behaviour was learned
// is said beside it.
import { createHash, randomUUID } from 'node:crypto'
import { pageOf } from './paging.mjs'

// D1's published limit on one SQL statement (developers.cloudflare.com/d1/platform/limits: 100,000 bytes).
const MAX_STATEMENT_BYTES = 100_000

/** A database as the stand-in keeps it; tests may add their own with this.
 * It keeps each table's CREATE statement and its number of rows, not the rows. */
export function newDatabase(name, uuid = randomUUID()) {
  return { uuid, name, migrations: [], hasMigrationsTable: false, tables: [], schemas: {}, rows: {}, queries: [] }
}

// The part of a database a query changes, and so what a bookmark restores.
const stateOf = (db) => structuredClone({ migrations: db.migrations, hasMigrationsTable: db.hasMigrationsTable, tables: db.tables, schemas: db.schemas, rows: db.rows })

// A bookmark names a point in the database's history: four hex groups like the
// real ones (8-8-8-32, as `d1 time-travel info` prints them); the first is the
// stand-in's index into that history.
const bookmarkOf = (db, index) => `${index.toString(16).padStart(8, '0')}-00000001-00004e4a-${db.uuid.replaceAll('-', '')}`
const BOOKMARK = /^([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{8}-([0-9a-f]{32})$/

function history(db) {
  db.history ??= [stateOf(db)]
  return db.history
}

// Statements split on `;` outside quotes: enough for the migrations and dumps tests write.
function statements(sql) {
  const out = []
  let current = ''
  let quote = null
  for (const ch of sql) {
    if (quote) quote = ch === quote ? null : quote
    else if (ch === "'" || ch === '"') quote = ch
    if (ch === ';' && !quote) {
      out.push(current)
      current = ''
    } else current += ch
  }
  out.push(current)
  return out.map((s) => s.replace(/^(\s*--[^\n]*\n)*/, '').trim()).filter(Boolean)
}

// How many `(…)` tuples follow VALUES, outside quotes.
function tuples(statement) {
  const values = statement.slice(statement.search(/VALUES/i) + 6)
  let depth = 0
  let count = 0
  let quote = null
  for (const ch of values) {
    if (quote) quote = ch === quote ? null : quote
    else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(' && depth++ === 0) count++
    else if (ch === ')') depth--
  }
  return count
}

const unquote = (name) => name.replace(/^["`[]|["`\]]$/g, '')
const NAME = '("[^"]+"|`[^`]+`|\\[[^\\]]+\\]|\\w+)'

/** One statement against the database: its result rows, or `{ error }`. */
function statement(db, sql) {
  const upper = sql.toUpperCase()
  // D1 refuses explicit transactions (developers.cloudflare.com/d1/worker-api/d1-database: "D1 does not support
  // BEGIN TRANSACTION"); the message is the storage layer's.
  if (/^(BEGIN|SAVEPOINT|COMMIT|ROLLBACK|END)\b/.test(upper)) {
    return { error: 'To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements: SQLITE_AUTH' }
  }
  if (/THIS_MIGRATION_FAILS/.test(sql)) return { error: 'near "THIS_MIGRATION_FAILS": syntax error: SQLITE_ERROR' }
  if (upper.startsWith('PRAGMA')) return { rows: [] }
  const created = sql.match(new RegExp(`^CREATE TABLE (IF NOT EXISTS )?${NAME}`, 'i'))
  if (created) {
    const table = unquote(created[2])
    if (table === 'd1_migrations') db.hasMigrationsTable = true
    else if (!db.tables.includes(table)) {
      db.tables.push(table)
      db.schemas[table] = sql
      db.rows[table] = 0
    } else if (!created[1]) return { error: `table ${table} already exists: SQLITE_ERROR` }
    return { rows: [] }
  }
  const dropped = sql.match(new RegExp(`^DROP TABLE (IF EXISTS )?${NAME}`, 'i'))
  if (dropped) {
    const table = unquote(dropped[2])
    if (table === 'd1_migrations') Object.assign(db, { hasMigrationsTable: false, migrations: [] })
    else {
      db.tables = db.tables.filter((t) => t !== table)
      delete db.schemas[table]
      delete db.rows[table]
    }
    return { rows: [] }
  }
  const inserted = sql.match(new RegExp(`^INSERT INTO ${NAME}`, 'i'))
  if (inserted) {
    const table = unquote(inserted[1])
    if (table === 'd1_migrations') {
      if (!db.hasMigrationsTable) return { error: 'no such table: d1_migrations: SQLITE_ERROR' }
      // wrangler's `(name) values ('x')`, or a dump's `VALUES(1,'x','at')`.
      const name = sql.match(/VALUES\s*\((?:\d+\s*,\s*)?'([^']+)'/i)?.[1]
      db.migrations.push({ name, appliedAt: new Date().toISOString().slice(0, 19).replace('T', ' ') })
    } else if (!db.tables.includes(table)) return { error: `no such table: ${table}: SQLITE_ERROR` }
    else db.rows[table] += tuples(sql)
    return { rows: [] }
  }
  if (/FROM sqlite_master/i.test(sql)) {
    const names = [...db.tables, ...(db.hasMigrationsTable ? ['d1_migrations'] : [])].sort()
    return { rows: names.map((name) => ({ name })) }
  }
  // Row counts, as clodo checks a restore: `SELECT 't' AS t, COUNT(*) AS n FROM "t" UNION ALL …`.
  const counts = [...sql.matchAll(new RegExp(`SELECT '([^']+)' AS t, COUNT\\(\\*\\) AS n FROM ${NAME}`, 'gi'))]
  if (counts.length > 0) {
    const missing = counts.find((c) => !db.tables.includes(unquote(c[2])) && unquote(c[2]) !== 'd1_migrations')
    if (missing) return { error: `no such table: ${unquote(missing[2])}: SQLITE_ERROR` }
    return { rows: counts.map((c) => ({ t: c[1], n: unquote(c[2]) === 'd1_migrations' ? db.migrations.length : db.rows[unquote(c[2])] })) }
  }
  if (/FROM\s+"?d1_migrations"?/i.test(sql)) {
    if (!db.hasMigrationsTable) return { error: 'no such table: d1_migrations: SQLITE_ERROR' }
    return { rows: db.migrations.map((m, i) => ({ id: i + 1, name: m.name, applied_at: m.appliedAt })) }
  }
  return { rows: [] }
}

/** Runs `sql` as one batch: every statement applies, or none does (D1 runs a
 * request's statements in one implicit transaction: developers.cloudflare.com/d1/worker-api/d1-database, batch). */
function query(db, sql) {
  db.queries.push(sql)
  const before = stateOf(db)
  const results = []
  for (const one of statements(sql)) {
    const outcome = Buffer.byteLength(one) > MAX_STATEMENT_BYTES ? { error: 'statement too long: SQLITE_TOOBIG' } : statement(db, one)
    if (outcome.error) {
      Object.assign(db, before)
      return outcome
    }
    results.push({ results: outcome.rows, success: true, meta: { duration: 1, changes: 0, rows_read: 0, rows_written: 0 } })
  }
  if (JSON.stringify(stateOf(db)) !== JSON.stringify(before)) history(db).push(stateOf(db))
  return results
}

/** The database as a `d1 export` dump: schema, then one INSERT per row (rows are numbered, not kept). */
function dump(db) {
  const lines = ['PRAGMA defer_foreign_keys=TRUE;']
  if (db.hasMigrationsTable) {
    lines.push('CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);')
    db.migrations.forEach((m, i) => lines.push(`INSERT INTO "d1_migrations" VALUES(${i + 1},'${m.name}','${m.appliedAt}');`))
  }
  for (const table of db.tables) {
    lines.push(`${db.schemas[table].replace(/;?\s*$/, '')};`)
    for (let i = 1; i <= db.rows[table]; i++) lines.push(`INSERT INTO "${table}" VALUES(${i});`)
  }
  return `${lines.join('\n')}\n`
}

export function d1Api({ accountId, ok, fail }) {
  const databases = new Map() // uuid -> newDatabase(...)
  const byIdOrName = (key) => databases.get(key) ?? [...databases.values()].find((db) => db.name === key)
  const exported = new Map() // token -> dump, downloaded from its signed URL
  const uploaded = new Map() // filename -> SQL put to its upload URL
  const signed = (req, path) => `http://${req.headers.host}/__signed/${path}`

  // Export, as wrangler polls it (packages/wrangler/src/d1/export.ts): the first call starts the dump at the
  // current bookmark, a call with that bookmark finds it complete with a signed URL to download. A task still
  // running has no status: the API's types (cloudflare 5.2.0, DatabaseExportResponse) know only complete and error.
  function exportStep(req, db, { output_format, current_bookmark }) {
    if (output_format !== 'polling') return { success: false, error: 'output_format must be "polling"' }
    if (current_bookmark === undefined) {
      return { success: true, type: 'export', at_bookmark: bookmarkOf(db, history(db).length - 1), messages: ['Generating dump'] }
    }
    const index = parseInt(current_bookmark.match(BOOKMARK)?.[1] ?? 'x', 16)
    const state = history(db)[index]
    if (!state) return { success: true, type: 'export', status: 'error', error: `unknown bookmark ${current_bookmark}`, messages: [] }
    const token = randomUUID()
    exported.set(token, dump({ ...db, ...structuredClone(state) }))
    return { success: true, type: 'export', status: 'complete', at_bookmark: current_bookmark, messages: ['Uploaded part 1'], result: { filename: `${db.name}.sql`, signed_url: signed(req, `export/${token}`) } }
  }

  // Import, as `d1 execute --remote --file` drives it (packages/wrangler/src/d1/execute.ts): init gives an upload
  // URL unless the file (by its MD5 etag) is there already; the PUT answers the etag; ingest starts it; a poll
  // finds it run whole, or failed whole.
  function importStep(req, db, { action, etag, filename }) {
    if (action === 'init') {
      const name = `${etag}.sql`
      return uploaded.has(name) ? ingest(db, name) : { success: true, filename: name, upload_url: signed(req, `import/${name}`) }
    }
    if (action === 'ingest') {
      const sql = uploaded.get(filename)
      if (sql === undefined || createHash('md5').update(sql).digest('hex') !== etag) return { success: false, error: `${filename} was not uploaded, or not whole` }
      return ingest(db, filename)
    }
    if (action === 'poll') {
      const pending = db.pendingImport
      if (!pending) return { success: false, error: 'no import is running' }
      delete db.pendingImport
      const outcome = query(db, uploaded.get(pending))
      if (outcome.error) return { success: true, type: 'import', status: 'error', error: outcome.error, errors: [outcome.error], messages: [] }
      const final_bookmark = bookmarkOf(db, history(db).length - 1)
      return { success: true, type: 'import', status: 'complete', messages: [], result: { num_queries: outcome.length, final_bookmark, meta: { duration: 1, rows_read: 0, rows_written: 0, size_after: 8192 } } }
    }
    return { success: false, error: `unknown import action ${action}` }
  }
  function ingest(db, filename) {
    db.pendingImport = filename
    return { success: true, type: 'import', at_bookmark: bookmarkOf(db, history(db).length - 1), messages: [] }
  }

  /** Signed URLs (no API token, as R2's presigned ones): downloads of exports, uploads of imports. */
  function handleSigned(req, res, url, body) {
    const download = url.pathname.match(/^\/__signed\/export\/([\w-]+)$/)
    if (download && req.method === 'GET') {
      res.writeHead(exported.has(download[1]) ? 200 : 404, { 'content-type': 'application/sql' })
      return res.end(exported.get(download[1]) ?? '')
    }
    const upload = url.pathname.match(/^\/__signed\/import\/([\w.-]+)$/)
    if (upload && req.method === 'PUT') {
      uploaded.set(upload[1], body)
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` })
      return res.end()
    }
    return false
  }

  /** Answers a /d1/database request, or returns false when it is not one. */
  function handle(req, res, url, body) {
    const prefix = `/client/v4/accounts/${accountId}/d1/database`
    if (!url.pathname.startsWith(prefix)) return false
    const rest = url.pathname.slice(prefix.length).split('/').filter(Boolean)

    // Listing: page/per_page 10..10000, default 1000, and a `name` to search for
    // (Cloudflare's API reference, D1 "List D1 Databases"; that `name` matches part of a name is our reading).
    if (rest.length === 0 && req.method === 'GET') {
      const name = url.searchParams.get('name')
      const all = [...databases.values()]
        .filter((db) => name === null || db.name.includes(name))
        .map(({ uuid, name }) => ({ uuid, name, version: 'production', created_at: '2026-11-01T00:00:00.000Z' }))
      const page = pageOf(all, url.searchParams, { min: 10, max: 10000, fallback: 1000 })
      return page.error ? fail(res, 400, 7400, page.error) : ok(res, page.result, { result_info: page.result_info })
    }
    if (rest.length === 0 && req.method === 'POST') {
      const { name } = JSON.parse(body)
      if ([...databases.values()].some((db) => db.name === name)) return fail(res, 400, 7502, 'A database with that name already exists')
      const db = newDatabase(name)
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
      return ok(res, { uuid: db.uuid, name: db.name, version: 'production', num_tables: db.tables.length + (db.hasMigrationsTable ? 1 : 0), file_size: 8192, running_in_region: 'WEUR', created_at: '2026-11-01T00:00:00.000Z' })
    }
    if (rest[1] === 'query' && req.method === 'POST') {
      const outcome = query(db, JSON.parse(body).sql)
      if (outcome.error) return fail(res, 400, 7500, outcome.error)
      return ok(res, outcome)
    }
    if (rest[1] === 'export' && req.method === 'POST') return ok(res, exportStep(req, db, JSON.parse(body || '{}')))
    if (rest[1] === 'import' && req.method === 'POST') return ok(res, importStep(req, db, JSON.parse(body || '{}')))
    if (rest[1] === 'time_travel' && rest[2] === 'bookmark' && req.method === 'GET') {
      return ok(res, { bookmark: bookmarkOf(db, history(db).length - 1) })
    }
    // A restore goes back to the state the bookmark names, and is itself a new point in history.
    if (rest[1] === 'time_travel' && rest[2] === 'restore' && req.method === 'POST') {
      const bookmark = url.searchParams.get('bookmark') ?? ''
      const parts = bookmark.match(BOOKMARK)
      const index = parts && parts[2] === db.uuid.replaceAll('-', '') ? parseInt(parts[1], 16) : -1
      if (index < 0 || index >= history(db).length) return fail(res, 400, 7500, `Invalid bookmark ${JSON.stringify(bookmark)}: not a bookmark of ${db.name}`)
      const previous = bookmarkOf(db, history(db).length - 1)
      Object.assign(db, structuredClone(history(db)[index]))
      history(db).push(stateOf(db))
      return ok(res, { bookmark, previous_bookmark: previous, message: 'Database restored to bookmark' })
    }
    return fail(res, 404, 7003, `No route for ${req.method} ${url.pathname}`)
  }

  return { databases, handle, handleSigned, exists: (id) => databases.has(id) }
}
