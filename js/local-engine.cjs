'use strict'
// The local engine's one Node process for a whole run, on the `miniflare`
// package wrangler itself builds on, holding one Miniflare instance that is
// reconfigured for each request (a fraction of a second, against seconds of
// start-up for a wrangler process):
//
// - `migrate`: a domain's local D1 migrations, with wrangler's layout and
//   bookkeeping: the database file miniflare keeps under `<persist>/v3/d1` for
//   the config's database id, a `d1_migrations` table of wrangler's shape, the
//   unapplied files in wrangler's order, and each file run with its
//   bookkeeping row as one batch (all or nothing). A `wrangler d1 migrations
//   apply --local` per domain would leave the same.
// - `serve`: a domain's built worker, with the bindings wrangler's own
//   `unstable_getMiniflareWorkerOptions` derives from its rendered config (vars
//   and the env files `wrangler dev --env-file` would load), its state where
//   `wrangler dev` keeps it (`<persist>/v3`), on a port of its own. The worker
//   is served until the next request.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on
// stdout. Requests:
//   { kind: 'migrate', wrangler, persist, databaseId, migrationsDir, table }
//     → { applied: [names], failed?: { name, message } }
//   { kind: 'serve', wrangler, config, envFiles, persist, bundle, metafile }
//     → { url }
// Any request the helper cannot do at all → { error }.
const { readdirSync, readFileSync, realpathSync } = require('node:fs')
const { dirname, join } = require('node:path')
const readline = require('node:readline')

// Miniflare and wrangler's API, from the wrangler clodo runs (else the project's, else clodo's own).
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
      const wrangler = require(wranglerDir)
      return { Miniflare, split: wrangler.unstable_splitSqlQuery, workerOptions: wrangler.unstable_getMiniflareWorkerOptions }
    } catch {}
  }
  throw new Error(`miniflare and wrangler could not be loaded from ${candidates.join(', ')}`)
}

// The run's one instance, set to `options`: started the first time, reconfigured after.
let instance
async function configure(Miniflare, options) {
  try {
    if (instance) await instance.setOptions(options)
    else {
      instance = new Miniflare(options)
      await instance.ready
    }
    return instance
  } catch (e) {
    // A configuration workerd refused may leave the instance half set: the next request starts afresh.
    const broken = instance
    instance = undefined
    await broken?.dispose().catch(() => {})
    throw e
  }
}

// wrangler's order: the folder's .sql files sorted, the unapplied ones by their number prefix.
function unapplied(dir, applied) {
  const names = readdirSync(dir).filter((n) => n.endsWith('.sql')).sort()
  return names.filter((n) => !applied.includes(n)).sort((a, b) => parseInt(a.split('_')[0]) - parseInt(b.split('_')[0]))
}

async function migrate(request) {
  const { Miniflare, split } = libraries(request.wrangler)
  const { persist, databaseId, migrationsDir, table } = request
  const mf = await configure(Miniflare, { modules: true, script: '', d1Persist: join(persist, 'v3', 'd1'), d1Databases: { DATABASE: databaseId } })
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
}

// wrangler's rule for a bundle's format: an entry that exports anything is a module worker.
function isModuleWorker(metafile) {
  const outputs = Object.values(JSON.parse(readFileSync(metafile, 'utf8')).outputs ?? {})
  const entry = outputs.find((o) => o.entryPoint)
  return (entry?.exports ?? []).length > 0
}

async function serve(request) {
  const { Miniflare, workerOptions } = libraries(request.wrangler)
  const { config, envFiles, persist, bundle, metafile } = request
  const { workerOptions: options, externalWorkers } = workerOptions(config, undefined, { envFiles })
  const name = JSON.parse(readFileSync(config, 'utf8')).name
  const source = isModuleWorker(metafile) ? { modules: true, scriptPath: bundle, modulesRoot: dirname(bundle) } : { scriptPath: bundle }
  const worker = { ...options, ...source, name, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }
  const mf = await configure(Miniflare, { defaultPersistRoot: join(persist, 'v3'), workers: [worker, ...externalWorkers] })
  return { url: (await mf.unsafeGetDirectURL(name)).href }
}

// stdout carries the answers only: anything miniflare or workerd prints goes to stderr.
for (const name of ['log', 'info', 'warn', 'debug']) console[name] = (...args) => console.error(...args)

const lines = readline.createInterface({ input: process.stdin })
let queue = Promise.resolve()
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let answer
    try {
      const request = JSON.parse(line)
      answer = await (request.kind === 'serve' ? serve(request) : migrate(request))
    } catch (e) {
      answer = { error: String(e?.message ?? e) }
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`)
  })
})
// The run closed its end (it finished, or died): nothing more will come.
lines.on('close', () => queue.then(() => instance?.dispose()).finally(() => process.exit(0)))
