// Every entry point of the package gives the same names to `require` and to
// `import`: the ESM files re-export the CommonJS ones instead of keeping
// their own lists, and this test fails on any name one side lacks. Without a
// binary for the machine, the error says what to install.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { require, root } from './helpers.mjs'

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const entries = Object.entries(manifest.exports).filter(([, target]) => typeof target === 'object' && target.require && target.import)

test('every subpath with both conditions gives require and import the same names', async () => {
  assert.ok(entries.length >= 9, `the exports map lists the subpaths: ${entries.map(([s]) => s)}`)
  for (const [subpath] of entries) {
    const specifier = join('clodo', subpath)
    const required = Object.keys(require(specifier)).sort()
    const imported = Object.keys(await import(specifier)).filter((name) => name !== 'default').sort()
    assert.ok(required.length > 0, `${specifier} exports something`)
    assert.deepEqual(imported, required, specifier)
  }
})

test('the root import has the names the README promises, which the old hand-kept list lacked', async () => {
  const root = await import('clodo')
  for (const name of ['DomainDiscovery', 'ConfigurationCacheManager', 'RollbackManager', 'ServiceCreator', 'createService', 'MultiDomainOrchestrator']) {
    assert.equal(typeof root[name], 'function', name)
  }
  assert.equal(root.default.MultiDomainOrchestrator, root.MultiDomainOrchestrator)
})

test('the shared unifiedConfigManager is one object in both module systems', async () => {
  const { unifiedConfigManager } = await import('clodo/utils/config')
  assert.equal(unifiedConfigManager, require('clodo/utils/config').unifiedConfigManager)
})

test('without a binary for this machine the error names the package to install and keeps napi\'s as its cause', () => {
  const copy = mkdtempSync(join(tmpdir(), 'clodo-no-binary-'))
  for (const file of ['package.json', 'index.js', 'js']) cpSync(join(root, file), join(copy, file), { recursive: true })
  // The root loads the binding when a name is first read.
  const r = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(copy)}).WranglerConfigManager } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, cause: String(e.cause) })) }`], { encoding: 'utf8' })
  const error = JSON.parse(r.stdout)
  assert.equal(error.code, 'E_NO_NATIVE_BINARY')
  assert.match(error.message, new RegExp(`for ${process.platform}-${process.arch}: the package clodo-${process.platform}-${process.arch}-\\w+ is not installed`))
  assert.match(error.message, /optional dependencies enabled/)
  assert.match(error.message, /npm run build/)
  assert.match(error.cause, /Cannot find native binding/)
})
