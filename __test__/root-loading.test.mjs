// require('clodo') loads a drop-in module only when one of its names is read,
// and its table of names stays the modules' own (no name lost or stale).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { root } from './helpers.mjs'

const require = createRequire(import.meta.url)
const js = (file) => join(root, 'js', file)
// The modules in the order the root gives them precedence.
const MODULES = ['native.cjs', 'config.cjs', 'worker.cjs', 'utils-deployment.cjs', 'utils-cloudflare.cjs', 'deployment.cjs', 'security.cjs', 'cli-helpers.cjs', 'framework.cjs']

test('reading one name loads only the module that has it', () => {
  const script = `
    const clodo = require(${JSON.stringify(root)})
    const loaded = () => Object.keys(require.cache).filter((f) => f.includes('/js/')).map((f) => f.split('/').pop()).sort()
    const before = loaded()
    const type = typeof clodo.validateDomainConfig
    console.log(JSON.stringify({ before, type, after: loaded() }))`
  const { before, type, after } = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))
  assert.deepEqual(before, ['root.cjs'])
  assert.equal(type, 'function')
  assert.ok(after.includes('worker.cjs'), after.join())
  assert.deepEqual(MODULES.filter((m) => m !== 'worker.cjs' && after.includes(m)), [], 'no other module of the root loaded')
})

test('every name of every module is at the root, from the module that comes last', () => {
  const clodo = require(root)
  const expected = {}
  for (const file of MODULES) Object.assign(expected, require(js(file)))
  assert.deepEqual(Object.keys(clodo).sort(), Object.keys(expected).sort())
  for (const [name, value] of Object.entries(expected)) assert.equal(clodo[name], value, name)
})

test('a root name can still be replaced, as a plain property could', () => {
  const script = `const clodo = require(${JSON.stringify(root)}); clodo.checkHealth = () => 'mine'; console.log(clodo.checkHealth())`
  assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim(), 'mine')
})
