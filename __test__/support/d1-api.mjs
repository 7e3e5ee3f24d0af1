// The D1 part of the Cloudflare API stand-in (tests only): databases, queries
// with wrangler's `d1_migrations` bookkeeping, and Time Travel bookmarks that
// really restore. Where a behaviour was learned is said beside it.
import { randomUUID } from 'node:crypto'
import { pageOf } from './paging.mjs'

// D1's published limit on one SQL statement (developers.cloudflare.com/d1/platform/limits: 100,000 bytes).
const MAX_STATEMENT_BYTES = 100_000

/** A database as the stand-in keeps it; tests may add their own with this. */
export function newDatabase(name, uuid = randomUUID()) {
  return { uuid, name, migrations: [], hasMigrationsTable: false, tables: [], queries: [] }
}

// The part of a database a query changes, and so what a bookmark restores.
const stateOf = (db) => ({ migrations: db.migrations.map((m) => ({ ...m })), hasMigrationsTable: db.hasMigrationsTable, tables: [...(db.tables ?? [])] })

// A bookmark names a point in the database's history: four hex groups like the
// real ones (8-8-8-32, as `d1 time-travel info` prints them); the first is the
// stand-in's index into that history.
const bookmarkOf = (db, index) => `${index.toString(16).padStart(8, '0')}-00000001-00004e4a-${db.uuid.replaceAll('-', '')}`
const BOOKMARK = /^([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{8}-([0-9a-f]{32})$/

function history(db) {
  db.history ??= [stateOf(db)]
  return db.history
}

// Statements split on `;` outside quotes: enough for the migrations tests write.
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
  return out.map((s) => s.trim()).filter(Boolean)
}

/** Runs `sql` as one batch: every statement applies, or none does (D1 runs a
 * request's statements in one implicit transaction: developers.cloudflare.com/d1/worker-api/d1-database, batch). */
function query(db, sql) {
  db.tables ??= []
  db.queries.push(sql)
  const result = (results) => [{ results, success: true, meta: { duration: 1, changes: 0, rows_read: 0, rows_written: 0 } }]
  const all = statements(sql)
  const before = stateOf(db)
  let rows = []
  for (const statement of all) {
    if (Buffer.byteLength(statement) > MAX_STATEMENT_BYTES) return { error: 'statement too long: SQLITE_TOOBIG' }
    // D1 refuses explicit transactions (developers.cloudflare.com/d1/worker-api/d1-database: "D1 does not support
    // BEGIN TRANSACTION"); the message is the storage layer's.
    if (/^(BEGIN|SAVEPOINT|COMMIT|ROLLBACK|END)\b/i.test(statement)) {
      Object.assign(db, before)
      return { error: 'To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements: SQLITE_AUTH' }
    }
    if (/THIS_MIGRATION_FAILS/.test(statement)) {
      Object.assign(db, before)
      return { error: 'near "THIS_MIGRATION_FAILS": syntax error: SQLITE_ERROR' }
    }
    if (/^CREATE TABLE IF NOT EXISTS d1_migrations/i.test(statement)) {
      db.hasMigrationsTable = true
      continue
    }
    if (/FROM\s+"?d1_migrations"?/i.test(statement)) {
      if (!db.hasMigrationsTable) {
        Object.assign(db, before)
        return { error: 'no such table: d1_migrations: SQLITE_ERROR' }
      }
      rows = db.migrations.map((m, i) => ({ id: i + 1, name: m.name, applied_at: m.appliedAt }))
      continue
    }
    const created = statement.match(/^CREATE TABLE (?:IF NOT EXISTS )?"?(\w+)"?/i)
    if (created && !db.tables.includes(created[1])) db.tables.push(created[1])
    const applied = statement.match(/^INSERT INTO d1_migrations \(name\)\s*values \('([^']+)'\)/i)
    if (applied) db.migrations.push({ name: applied[1], appliedAt: new Date().toISOString().slice(0, 19).replace('T', ' ') })
  }
  if (JSON.stringify(stateOf(db)) !== JSON.stringify(before)) history(db).push(stateOf(db))
  return result(rows)
}

export function d1Api({ accountId, ok, fail }) {
  const databases = new Map() // uuid -> newDatabase(...)
  const byIdOrName = (key) => databases.get(key) ?? [...databases.values()].find((db) => db.name === key)

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
      return ok(res, { uuid: db.uuid, name: db.name, version: 'production', num_tables: (db.tables ?? []).length + 1, file_size: 8192, running_in_region: 'WEUR', created_at: '2026-11-01T00:00:00.000Z' })
    }
    if (rest[1] === 'query' && req.method === 'POST') {
      const outcome = query(db, JSON.parse(body).sql)
      if (outcome.error) return fail(res, 400, 7500, outcome.error)
      return ok(res, outcome)
    }
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

  return { databases, handle, exists: (id) => databases.has(id) }
}
