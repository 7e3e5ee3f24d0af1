// WranglerConfigManager: clodo (native) side by side with @tamyla/clodo-framework 4.0.12,
// same files, same machine, one run. Prints a table with ratios.
//   npm run build && node bench/config-manager.bench.mjs
import { mkdtempSync, writeFileSync, readdirSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const clodo = require(root)
// The original does not export the class; load its file by path.
const originalFile = join(root, 'node_modules/@tamyla/clodo-framework/dist/utils/deployment/wrangler-config-manager.js')
const { WranglerConfigManager: Original } = await import(pathToFileURL(originalFile))

const corpus = join(root, '..', 'shared', 'corpus', 'wrangler')
const SAMPLE = `# Data service
name = "data-service"
main = "src/index.js"
compatibility_date = "2024-09-23"
compatibility_flags = ["nodejs_compat"]

[vars]
SERVICE_DOMAIN = "default"
LOG_LEVEL = "info"

[[d1_databases]]
binding = "DB"
database_name = "data-service-db"
database_id = "11111111-2222-3333-4444-555555555555"

[env.staging]
name = "data-service-staging"

[env.staging.vars]
SERVICE_DOMAIN = "staging"
LOG_LEVEL = "debug"

[[env.staging.d1_databases]]
binding = "DB"
database_name = "data-service-staging-db"
database_id = "66666666-2222-3333-4444-555555555555"
`

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-bench-'))
  writeFileSync(join(dir, 'wrangler.toml'), SAMPLE)
  return join(dir, 'wrangler.toml')
}

const quiet = async (fn) => {
  const log = console.log
  console.log = () => {}
  try { return await fn() } finally { console.log = log }
}

/** Milliseconds per call of one batch of `size` sequential calls. */
async function batch(size, fn, offset) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < size; i++) await fn(offset + i)
  return Number(process.hrtime.bigint() - start) / 1e6 / size
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Median milliseconds per call over batches of sequential calls (after a warm-up). */
async function time(n, fn) {
  const rounds = Math.min(15, n)
  const size = Math.max(1, Math.round(n / rounds))
  await batch(Math.min(20, n), fn, 0)
  const batches = []
  for (let r = 0; r < rounds; r++) batches.push(await batch(size, fn, r * size))
  return median(batches)
}

// Each side runs on its own (alternating would make one side pay for the other's garbage collection) and
// reports its median batch: steal time on this shared VM comes in bursts that should not decide a ratio.
const rows = []
async function compare(label, n, makeOriginal, makeClodo) {
  const o = await quiet(() => time(n, makeOriginal))
  const c = await quiet(() => time(n, makeClodo))
  rows.push({ label, original: o, clodo: c })
}

const N = 300
{
  const a = new Original(fresh())
  const b = new clodo.WranglerConfigManager(fresh())
  await compare('readConfig', N, () => a.readConfig(), () => b.readConfig())
  await compare('validate', N, () => a.validate(), () => b.validate())
  const info = (i) => ({ binding: `DB_${i % 10}`, database_name: `db-${i}`, database_id: `id-${i}` })
  await compare('addDatabaseBinding (read-edit-write; clodo locked + atomic)', N,
    (i) => a.addDatabaseBinding('staging', info(i)), (i) => b.addDatabaseBinding('staging', info(i)))
}

{
  // The original reads TOML only, so both validate the TOML part of the corpus.
  const files = readdirSync(corpus).filter((f) => f.endsWith('.toml')).map((f) => join(corpus, f))
  const originals = files.map((f) => new Original(f))
  const natives = files.map((f) => new clodo.WranglerConfigManager(f))
  await compare(`validate the corpus (${files.length} TOML files)`, 9,
    () => Promise.all(originals.map((m) => m.validate())), () => Promise.all(natives.map((m) => m.validate())))
}

const loadTime = (script) => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim())
const timed = (load) => `const t = process.hrtime.bigint(); ${load}; console.log(Number(process.hrtime.bigint() - t) / 1e6)`
{
  const originalLoad = timed(`await import(${JSON.stringify(pathToFileURL(originalFile).href)})`)
  // The package's root, as require('clodo') loads it: the addon and every drop-in module.
  const clodoLoad = timed(`(await import('node:module')).createRequire(${JSON.stringify(root + '/')})('./')`)
  const o = []
  const c = []
  for (let i = 0; i < 15; i++) {
    o.push(loadTime(originalLoad))
    c.push(loadTime(clodoLoad))
  }
  rows.push({ label: "cold load in a new process (require('clodo') vs import of the original's file)", original: median(o), clodo: median(c) })
}

const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`)
console.log(`\nWranglerConfigManager — @tamyla/clodo-framework 4.0.12 vs clodo (${process.platform}-${process.arch}, node ${process.version})\n`)
console.log('| operation | original | clodo | speed-up |')
console.log('|---|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.label} | ${fmt(r.original)} | ${fmt(r.clodo)} | ${(r.original / r.clodo).toFixed(1)}× |`)
