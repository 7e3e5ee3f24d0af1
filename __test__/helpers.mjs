// Shared helpers for the JavaScript tests.
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

process.env.WRANGLER_SEND_METRICS = 'false'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const require = createRequire(import.meta.url)
export const clodo = require(root)

/** A fresh temporary folder holding the given files ({ name: text }). */
export function project(files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-test-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
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
