'use strict'
// Applies local D1 migrations for many domains in one Node process, through
// the `miniflare` package wrangler itself uses, with wrangler's layout and
// bookkeeping: the database file miniflare keeps under `<persist>/v3/d1` for
// the config's database id, a `d1_migrations` table of wrangler's shape, the
// unapplied files in wrangler's order, and each file run with its bookkeeping
// row as one batch (all or nothing). A `wrangler d1 migrations apply --local`
// per domain would leave the same; it pays wrangler's start-up each time.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on
// stdout. Request: { wrangler, persist, databaseId, migrationsDir, table }.
// Answer: { applied: [names], failed?: { name, message } } or { error }.
const { readdirSync, readFileSync, realpathSync } = require('node:fs')
const { dirname, join } = require('node:path')
const readline = require('node:readline')

// Miniflare and wrangler's SQL splitter, from the wrangler clodo runs (else the project's, else clodo's own).
function libraries(wranglerPath) {
  const candidates = []
  try {
    candidates.push(dirname(dirname(realpathSync(wranglerPath))))
  } catch {}
  candidates.push(process.cwd(), __dirname)
  for (const from of candidates) {
    try {
      const wranglerDir = dirname(require.resolve('wrangler/package.json', { paths: [from] }))
      const { Miniflare } = require(require.resolve('miniflare', { paths: [wranglerDir] }))
      const { unstable_splitSqlQuery } = require(wranglerDir)
      return { Miniflare, split: unstable_splitSqlQuery }
    } catch {}
  }
  throw new Error(`miniflare and wrangler could not be loaded from ${candidates.join(', ')}`)
}

// wrangler's order: the folder's .sql files sorted, the unapplied ones by their number prefix.
function unapplied(dir, applied) {
  const names = readdirSync(dir).filter((n) => n.endsWith('.sql')).sort()
  return names.filter((n) => !applied.includes(n)).sort((a, b) => parseInt(a.split('_')[0]) - parseInt(b.split('_')[0]))
}

async function migrate(request) {
  const { Miniflare, split } = libraries(request.wrangler)
  const { persist, databaseId, migrationsDir, table } = request
  const mf = new Miniflare({ modules: true, script: '', d1Persist: join(persist, 'v3', 'd1'), d1Databases: { DATABASE: databaseId } })
  try {
    const db = await mf.getD1Database('DATABASE')
    await db.exec(`CREATE TABLE IF NOT EXISTS ${table}( id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL );`)
    const rows = (await db.prepare(`SELECT * FROM ${table} ORDER BY id`).all()).results
    const applied = []
    for (const name of unapplied(migrationsDir, rows.map((r) => r.name))) {
      const sql = `${readFileSync(join(migrationsDir, name), 'utf8')}\nINSERT INTO ${table} (name) values ('${name}');`
      try {
        await db.batch(split(sql).map((statement) => db.prepare(statement)))
      } catch (e) {
        return { applied, failed: { name, message: (e.cause ?? e).message } }
      }
      applied.push(name)
    }
    return { applied }
  } finally {
    await mf.dispose()
  }
}

// stdout carries the answers only: anything miniflare or workerd prints goes to stderr.
for (const name of ['log', 'info', 'warn', 'debug']) console[name] = (...args) => console.error(...args)

const lines = readline.createInterface({ input: process.stdin })
let queue = Promise.resolve()
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let answer
    try {
      answer = await migrate(JSON.parse(line))
    } catch (e) {
      answer = { error: String(e?.message ?? e) }
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`)
  })
})
// The run closed its end (it finished, or died): nothing more will come.
lines.on('close', () => queue.then(() => process.exit(0)))
