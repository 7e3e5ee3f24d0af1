// Migrating 8 local D1 databases of one service: clodo's applyEnvironmentMigrations
// versus the plain loop users script today (`npx wrangler d1 migrations apply` per
// database, one after another). Same wrangler, same files, same machine, one run.
// Each side gets its own copy of the service, so both start from empty databases.
// Targets: clodo ≥1.6× faster than the loop on 2 cores; clodo's own overhead
// (its time per database minus the wrangler process's) ≤5 %.
//   npm run build && node bench/d1-migrations.bench.mjs
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs'
import { tmpdir, availableParallelism } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { DatabaseOrchestrator } = createRequire(import.meta.url)(root)
const DATABASES = 8

function service() {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-bench-d1-'))
  // A project with wrangler installed, as users have it: npx and clodo both find it here.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  const bindings = Array.from({ length: DATABASES }, (_, i) =>
    `[[d1_databases]]\nbinding = "DB${i + 1}"\ndatabase_name = "bench-db-${i + 1}"\ndatabase_id = "bench-db-${i + 1}"\n`)
  writeFileSync(join(dir, 'wrangler.toml'), `name = "bench"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n\n${bindings.join('\n')}`)
  mkdirSync(join(dir, 'migrations'))
  writeFileSync(join(dir, 'migrations', '0001_users.sql'), 'CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE, created_at TEXT);\n')
  writeFileSync(join(dir, 'migrations', '0002_orders.sql'), 'CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), total INTEGER);\nCREATE INDEX orders_user ON orders(user_id);\n')
  writeFileSync(join(dir, 'migrations', '0003_seed.sql'), "INSERT INTO users(email, created_at) VALUES ('a@example.com', datetime('now')), ('b@example.com', datetime('now'));\n")
  return dir
}

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))))
  })
}

// The loop users write today.
const loopDir = service()
let started = performance.now()
for (let i = 1; i <= DATABASES; i++) {
  await run('npx', ['wrangler', 'd1', 'migrations', 'apply', `bench-db-${i}`, '--local', '--config', join(loopDir, 'wrangler.toml')], loopDir)
}
const loopMs = performance.now() - started

// clodo: every D1 database bound in the environment, up to the core count at once.
const clodoDir = service()
const orchestrator = new DatabaseOrchestrator({ projectRoot: clodoDir })
started = performance.now()
const result = await orchestrator.applyEnvironmentMigrations('development')
const clodoMs = performance.now() - started

const runs = Object.values(result.databases)
const applied = runs.map((r) => r.migrationsApplied)
if (applied.some((n) => n !== 3)) throw new Error(`expected 3 migrations per database, got ${applied}`)
const totalMs = runs.reduce((sum, r) => sum + r.durationMs, 0)
const wranglerMs = runs.reduce((sum, r) => sum + r.wranglerMs, 0)
const overhead = (totalMs - wranglerMs) / totalMs

const pad = (s, n) => String(s).padEnd(n)
console.log(`D1 migrations, ${DATABASES} local databases × 3 files, ${availableParallelism()} cores, wrangler ${(await orchestrator.initialize()).wrangler.version}`)
console.log(`${pad('', 40)}${pad('wall', 12)}`)
console.log(`${pad('npx wrangler d1 migrations apply, loop', 40)}${pad(`${(loopMs / 1000).toFixed(2)} s`, 12)}`)
console.log(`${pad('clodo applyEnvironmentMigrations', 40)}${pad(`${(clodoMs / 1000).toFixed(2)} s`, 12)}`)
console.log(`speed-up: ${(loopMs / clodoMs).toFixed(2)}× (target ≥1.6×)`)
console.log(`clodo overhead: ${(overhead * 100).toFixed(2)} % of ${(totalMs / 1000).toFixed(2)} s spent per database (${((totalMs - wranglerMs)).toFixed(0)} ms outside wrangler; target ≤5 %)`)
