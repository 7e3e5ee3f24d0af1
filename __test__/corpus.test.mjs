// Every real wrangler config in ../shared/corpus: loads and saves byte for
// byte, takes a D1 binding without losing a line, and the result parses with
// an independent parser (smol-toml, jsonc-parser) with the binding in place.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { basename, join } from 'node:path'
import { copyFileSync } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import { parse as parseJsonc } from 'jsonc-parser'
import { clodo, project, read, corpusFiles, rejection, onlyAddsLines } from './helpers.mjs'

const { WranglerConfigManager } = clodo
const { valid, invalid } = corpusFiles()

function independentParse(path, text) {
  if (path.endsWith('.toml')) return parseToml(text)
  const errors = []
  const value = parseJsonc(text, errors, { allowTrailingComma: true })
  assert.deepEqual(errors, [], `${basename(path)} no longer parses as JSONC`)
  return value
}

/** A private copy, so the shared corpus is never written. */
function copy(path) {
  const name = path.endsWith('.toml') ? 'wrangler.toml' : path.endsWith('.jsonc') ? 'wrangler.jsonc' : 'wrangler.json'
  const target = join(project(), name)
  copyFileSync(path, target)
  return target
}

test('the corpus is all there', () => {
  assert.ok(valid.length >= 270, `only ${valid.length} corpus files`)
  assert.equal(invalid.length, 3)
})

test('load and save without change is byte-identical', async () => {
  for (const path of valid) {
    const target = copy(path)
    const m = new WranglerConfigManager(target)
    await m.writeConfig(await m.readConfig())
    assert.equal(read(target), read(path), basename(path))
  }
})

test('adding a D1 binding to a new env and to the top level only adds lines', async () => {
  for (const path of valid) {
    const target = copy(path)
    // A production name no file uses, so "production" really means the top level.
    const m = new WranglerConfigManager({ configPath: target, productionEnvironment: 'clodo-top' })
    await m.addDatabaseBinding('clodo-new', { binding: 'CLODO_DB', database_name: 'clodo-new-db', database_id: 'id-new' })
    await m.addDatabaseBinding('clodo-top', { binding: 'CLODO_TOP', database_name: 'clodo-top-db', database_id: 'id-top' })
    const before = read(path)
    const after = read(target)
    assert.ok(onlyAddsLines(before, after), `${basename(path)}: an existing line changed`)
    const parsed = independentParse(path, after)
    const envDbs = parsed.env['clodo-new'].d1_databases
    assert.deepEqual(envDbs.find((d) => d.binding === 'CLODO_DB'), { binding: 'CLODO_DB', database_name: 'clodo-new-db', database_id: 'id-new' }, basename(path))
    assert.ok(parsed.d1_databases.some((d) => d.binding === 'CLODO_TOP' && d.database_id === 'id-top'), basename(path))
  }
})

test('every invalid file gives E_CONFIG_PARSE with line and column, and stays untouched', async () => {
  for (const path of invalid) {
    const target = copy(path)
    const m = new WranglerConfigManager(target)
    const err = await rejection(m.readConfig())
    assert.equal(err.code, 'E_CONFIG_PARSE', basename(path))
    assert.ok(err.line >= 1 && err.column >= 1, basename(path))
    const edit = await rejection(m.addDatabaseBinding('staging', { database_name: 'a', database_id: '1' }))
    assert.equal(edit.code, 'E_CONFIG_PARSE')
    assert.equal(read(target), read(path))
  }
})

test('validate finds no syntax errors in the valid corpus', async () => {
  for (const path of valid) {
    const result = await new WranglerConfigManager(path).validate()
    assert.ok(!result.findings.some((f) => f.rule === 'SYNTAX'), basename(path))
    for (const f of result.findings.filter((f) => f.path)) assert.ok(f.line >= 1, `${basename(path)}: ${f.message}`)
  }
})
