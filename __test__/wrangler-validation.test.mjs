// clodo's validation against wrangler's own, file by file and environment by
// environment, on the shared corpus of real configs and on the traps in
// fixtures/wrangler-traps (every kind of mistake wrangler checks for).
// wrangler is read through its exported config reader, in one process: see
// support/wrangler-read-configs.mjs for why.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { basename, join } from 'node:path'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { clodo, corpusFiles } from './helpers.mjs'
import { readWithWrangler, diagnosticsOf, findingsFor, matches, subjectOf } from './support/wrangler-validation.mjs'

const traps = fileURLToPath(new URL('./fixtures/wrangler-traps/', import.meta.url))
const files = [...corpusFiles().valid, ...readdirSync(traps).map((f) => join(traps, f))]

// Where clodo errs on purpose; each entry is one file and rule, with the reason.
const DELIBERATE = [
  {
    file: 'date-formats.toml',
    rule: 'BAD_COMPATIBILITY_DATE',
    reason: 'wrangler takes any text JavaScript\'s Date can read ("2025/01/01", "Jan 5 2025"); compatibility dates are documented as YYYY-MM-DD, so clodo asks for that',
  },
]
const deliberate = (file, finding) => DELIBERATE.some((d) => d.file === basename(file) && d.rule === finding.rule)

const clodoFindings = new Map()
for (const file of files) clodoFindings.set(file, (await new clodo.WranglerConfigManager(file).validate()).findings)
const { runs } = readWithWrangler(files)

test('the comparison covers the corpus, the traps and their environments', () => {
  assert.ok(files.length >= 280, `only ${files.length} files`)
  assert.ok(runs.length > files.length + 100, `only ${runs.length} runs: environments were not read`)
  const diagnostics = runs.flatMap(diagnosticsOf)
  assert.ok(diagnostics.length >= 500, `wrangler said only ${diagnostics.length} things`)
})

test("every diagnostic of wrangler's has a finding of clodo's on the same key at the same severity", () => {
  const missed = []
  for (const run of runs) {
    const findings = findingsFor(clodoFindings.get(run.file), run.env)
    for (const d of diagnosticsOf(run)) {
      if (!matches(d, findings, run.env)) missed.push(`${basename(run.file)} [${run.env ?? 'top level'}] ${d.severity}: ${d.text.split('\n')[0]} (${JSON.stringify(subjectOf(d, run.env))})`)
    }
  }
  assert.deepEqual(missed, [])
})

test('clodo errs only where wrangler does, but for the listed deliberate cases', () => {
  const extra = []
  let deliberateSeen = 0
  for (const run of runs) {
    const diagnostics = diagnosticsOf(run)
    // wrangler stopped at an error of its own before listing the others.
    if (diagnostics.some((d) => d.thrown)) continue
    const errors = diagnostics.filter((d) => d.severity === 'error')
    for (const f of findingsFor(clodoFindings.get(run.file), run.env).filter((f) => f.severity === 'error')) {
      if (errors.some((d) => matches(d, [f], run.env))) continue
      if (deliberate(run.file, f)) deliberateSeen++
      else extra.push(`${basename(run.file)} [${run.env ?? 'top level'}] ${f.rule} ${f.path}: ${f.message}`)
    }
  }
  assert.deepEqual(extra, [])
  assert.ok(deliberateSeen >= DELIBERATE.length, 'a deliberate disagreement no longer happens: remove it from the list')
})

test('no file that wrangler refuses is valid in clodo', async () => {
  const refused = new Set(runs.filter((r) => r.error).map((r) => r.file))
  assert.ok(refused.size >= 20, `only ${refused.size} files refused`)
  for (const file of refused) assert.ok(clodoFindings.get(file).some((f) => f.severity === 'error'), `${basename(file)} is valid in clodo`)
})

test('every finding about a key has its line and column, and its environment', () => {
  for (const [file, findings] of clodoFindings) {
    for (const f of findings.filter((f) => f.path)) {
      assert.ok(f.line >= 1 && f.column >= 1, `${basename(file)}: ${f.path} has no place`)
      if (f.path.startsWith('env.')) assert.ok(f.env && f.path.startsWith(`env.${f.env}`), `${basename(file)}: ${f.path} is about env ${f.env}`)
    }
  }
})
