// Shared helpers for the JavaScript tests.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:http'

process.env.WRANGLER_SEND_METRICS = 'false'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const require = createRequire(import.meta.url)
export const clodo = require(root)

// The CLI sees nothing of the caller's shell: no credentials, no secret store key, no token a developer stored
// with `clodo login` (an empty config folder of its own).
const { CLODO_SECRET_KEY: _key, ...inherited } = process.env
export const cliEnvironment = {
  ...inherited,
  CLOUDFLARE_API_TOKEN: '',
  CLOUDFLARE_ACCOUNT_ID: '',
  WRANGLER_SEND_METRICS: 'false',
  CLODO_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'clodo-config-')),
}

/** `clodo <args>` through bin/clodo.js: its exit code, stdout and stderr. */
export function runCli(args, env = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'clodo.js'), ...args], { encoding: 'utf8', env: { ...cliEnvironment, ...env }, timeout: 300_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** As runCli, without blocking this process: for a CLI that talks to a server this test process runs. */
export function runCliAsync(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'clodo.js'), ...args], { env: { ...cliEnvironment, ...env } })
    let [stdout, stderr] = ['', '']
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A fresh temporary folder holding the given files ({ 'path/name': text }). */
export function project(files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-test-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

export const read = (path) => readFileSync(path, 'utf8')
export const exists = existsSync

/** The shared corpus of real wrangler configs; its absence is a failure, never a skip. */
export function corpusDir() {
  const dir = join(root, '..', 'shared', 'corpus', 'wrangler')
  if (!existsSync(dir)) {
    throw new Error(`The wrangler corpus is missing at ${dir}: these tests need ../shared/corpus beside the project root`)
  }
  return dir
}

export function corpusFiles() {
  const dir = corpusDir()
  const valid = readdirSync(dir).filter((f) => /\.(toml|jsonc?)$/.test(f)).map((f) => join(dir, f))
  const invalid = readdirSync(join(dir, 'invalid')).map((f) => join(dir, 'invalid', f))
  return { valid, invalid }
}

/** Rejects with the error a promise rejects with, or fails when it resolves. */
export async function rejection(promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}

/** True when every line of `before` is still in `after`, in order (a line diff removes nothing). */
export function onlyAddsLines(before, after) {
  const newLines = after.split(/\r?\n/)
  let i = 0
  for (const line of before.split(/\r?\n/)) {
    while (i < newLines.length && newLines[i] !== line) i++
    if (i === newLines.length) return false
    i++
  }
  return true
}

/** A fresh copy of examples/data-service, without the state a demo run leaves in it. */
export function exampleService(prefix = 'clodo-example-') {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const runState = new Set(['.clodo', 'logs', '.wrangler'])
  cpSync(join(root, 'examples', 'data-service'), dir, { recursive: true, filter: (from) => !runState.has(basename(from)) })
  return dir
}

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts the real `wrangler dev` on `config` (offline, ports of its own: other
 * test files run one at the same time) and resolves once it is ready with
 * `{ base, stop }`. A port another process took between our probe and
 * wrangler's bind is tried again on new ones, twice at most.
 */
export async function startWranglerDev(config, cwd) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWranglerDevOnce(config, cwd)
    } catch (error) {
      if (attempt === 3 || !/Address already in use/.test(error.message)) throw error
    }
  }
}

async function startWranglerDevOnce(config, cwd) {
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--config', config]
  const dev = spawn(join(root, 'node_modules', '.bin', 'wrangler'), args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
  let output = ''
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${output}`)), 60_000)
    const watch = (chunk) => {
      output += chunk
      if (output.includes('Ready on')) {
        clearTimeout(timer)
        resolve()
      }
    }
    dev.stdout.on('data', watch)
    dev.stderr.on('data', watch)
    dev.on('exit', (code) => reject(new Error(`wrangler dev exited ${code}:\n${output}`)))
  })
  return { base: `http://127.0.0.1:${port}`, stop: () => process.kill(-dev.pid, 'SIGKILL') }
}

/**
 * Gives a domain of the example service a local database that drifted before
 * any run (an `items` table nobody migrated), so its first migration fails.
 */
export function driftDatabase(service, domain, environment = 'development') {
  const database = `${domain.replaceAll('.', '-')}-${environment}-db`
  const rendered = join(service, '.clodo', 'rendered', domain, environment)
  mkdirSync(rendered, { recursive: true })
  writeFileSync(join(rendered, 'wrangler.json'), JSON.stringify({ name: 'drift', main: '../../../../src/index.js', compatibility_date: '2025-01-01',
    d1_databases: [{ binding: 'DB', database_name: database, database_id: database }] }))
  execFileSync(join(root, 'node_modules', '.bin', 'wrangler'), ['d1', 'execute', 'DB', '--local', '--command', 'CREATE TABLE items (legacy TEXT)', '--config', join(rendered, 'wrangler.json')],
    { cwd: service, env: { ...process.env, CI: 'true' }, stdio: 'pipe' })
}
