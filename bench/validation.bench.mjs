// Validating the whole corpus of real configs (../shared/corpus), top level
// and every environment: clodo's validate() side by side with wrangler's own
// config reader (the one `wrangler deploy` runs), each in one process, one
// run. Prints the time of each process from start to exit and of the
// validation alone, and the ratios.
//   npm run build && node bench/validation.bench.mjs
import { spawnSync } from 'node:child_process'
import { readdirSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const corpus = join(root, '..', 'shared', 'corpus', 'wrangler')
const files = readdirSync(corpus).filter((f) => /\.(toml|jsonc?)$/.test(f)).map((f) => join(corpus, f))
if (files.length < 270) throw new Error(`the corpus at ${corpus} is missing`)

// clodo's side: one process that loads the addon and validates every file.
const clodoScript = join(mkdtempSync(join(tmpdir(), 'clodo-bench-')), 'validate-all.cjs')
writeFileSync(clodoScript, `
const { WranglerConfigManager } = require(${JSON.stringify(root)})
const files = require('fs').readFileSync(0, 'utf8').split('\\n').filter(Boolean)
;(async () => {
  const started = performance.now()
  let findings = 0
  for (const file of files) findings += (await new WranglerConfigManager(file).validate()).findings.length
  process.stdout.write(JSON.stringify({ ms: performance.now() - started, findings }))
})()
`)

function run(label, args) {
  const started = performance.now()
  const child = spawnSync(process.execPath, args, { input: files.join('\n'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })
  const wall = performance.now() - started
  if (child.status !== 0) throw new Error(`${label} failed: ${child.stderr}`)
  return { label, wall, inner: JSON.parse(child.stdout).ms }
}

const ROUNDS = 5
const results = { clodo: [], wrangler: [] }
for (let i = 0; i < ROUNDS; i++) {
  results.wrangler.push(run('wrangler', [join(root, '__test__/support/wrangler-read-configs.mjs')]))
  results.clodo.push(run('clodo', [clodoScript]))
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const row = (side) => ({ wall: median(results[side].map((r) => r.wall)), inner: median(results[side].map((r) => r.inner)) })
const [c, w] = [row('clodo'), row('wrangler')]
console.log(`validation of ${files.length} corpus files, every environment, median of ${ROUNDS} runs`)
console.log('side       process (start to exit)   validation alone')
console.log(`wrangler   ${w.wall.toFixed(0).padStart(8)} ms              ${w.inner.toFixed(1).padStart(8)} ms`)
console.log(`clodo      ${c.wall.toFixed(0).padStart(8)} ms              ${c.inner.toFixed(1).padStart(8)} ms`)
console.log(`ratio      ${(w.wall / c.wall).toFixed(1).padStart(8)}×                ${(w.inner / c.inner).toFixed(1).padStart(8)}×`)
