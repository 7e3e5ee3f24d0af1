// Several OS processes editing one file at once never lose an update, and a
// writer killed at any moment never leaves a torn file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import { clodo, project, read } from './helpers.mjs'

const writer = join(import.meta.dirname, 'fixtures', 'writer.mjs')
const START = '# shared by many writers\nname = "svc"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n'

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))))
  })
}

test('8 processes each adding 25 bindings to one file: all 200 land and the file is valid', async () => {
  const dir = project({ 'wrangler.toml': START })
  const config = join(dir, 'wrangler.toml')
  await Promise.all(Array.from({ length: 8 }, (_, p) => run([config, `P${p}`, '25'])))
  const parsed = parseToml(read(config))
  const bindings = parsed.env.staging.d1_databases.map((d) => d.binding)
  assert.equal(bindings.length, 200)
  assert.equal(new Set(bindings).size, 200)
  for (let p = 0; p < 8; p++) for (let i = 0; i < 25; i++) assert.ok(bindings.includes(`P${p}_${i}`))
  assert.ok(read(config).startsWith(START))
  const validation = await new clodo.WranglerConfigManager(config).validate()
  assert.deepEqual(validation.errors, [])
})

test('a writer killed with SIGKILL at random moments, 100 times, always leaves a parseable file', async () => {
  const dir = project({ 'wrangler.toml': START })
  const config = join(dir, 'wrangler.toml')
  for (let round = 0; round < 100; round++) {
    const child = spawn(process.execPath, [writer, config, 'churn'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const exited = new Promise((r) => child.on('exit', r))
    // Timed from the writer's first write, not from spawn, so a loaded machine's slow
    // start-up cannot push every kill before the writes; one write takes ~0.3 ms.
    await new Promise((r) => child.stdout.once('data', r))
    await new Promise((r) => setTimeout(r, Math.random() * 60))
    child.kill('SIGKILL')
    await exited
    const parsed = parseToml(read(config))
    assert.equal(parsed.name, 'svc', `round ${round}`)
  }
  assert.ok(read(config).startsWith(START))
  // The writers really were killed in the middle of their work, not before it.
  assert.ok(read(config).includes('CHURN_'), 'no writer got to write before being killed')
  // A writer killed mid-write may leave its hidden temporary file; the config itself is never torn.
  assert.ok(readdirSync(dir).includes('wrangler.toml'))
})
