// WranglerConfigManager's binding edits for every kind (issue 18): addBinding
// (an upsert by name), removeBinding and listBindings, in TOML, JSON and JSONC,
// for one environment or for the top level and every environment at once. The
// file keeps every other byte; wrangler's own config reader reads the result
// without an error; a bad edit is refused and leaves the file as it was.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { clodo, onlyAddsLines, project, rejection, root } from './helpers.mjs'

const { WranglerConfigManager } = clodo

const TOML = `# The shop worker
name = "shop"
main = "src/index.js"
compatibility_date = "2025-01-01"

[vars]
LOG_LEVEL = "info" # kept

[env.staging]
name = "shop-staging"
`

const JSONC = `// The shop worker
{
  "name": "shop", // its name
  "main": "src/index.js",
  "compatibility_date": "2025-01-01",
  "env": {
    "staging": {
      "name": "shop-staging" // kept
    }
  }
}
`

/** What wrangler's own reader (the one `wrangler deploy` runs) says of the file, for the top level and staging. */
function wranglerReads(file) {
  const reader = join(root, '__test__', 'support', 'wrangler-read-configs.mjs')
  const run = spawnSync(process.execPath, [reader], { input: `${file}\n`, encoding: 'utf8', cwd: root })
  assert.equal(run.status, 0, run.stderr)
  return JSON.parse(run.stdout).runs
}

for (const [format, file, text] of [['TOML', 'wrangler.toml', TOML], ['JSONC', 'wrangler.jsonc', JSONC]]) {
  test(`${format}: a binding added to every environment at once, updated by name, listed and removed, the rest of the file kept`, async () => {
    const dir = project({ [file]: text, 'src/index.js': 'export default { fetch: () => new Response("ok") }\n' })
    const path = join(dir, file)
    const manager = new WranglerConfigManager({ configPath: path })
    assert.equal(await manager.addBinding('*', 'kv', { binding: 'CACHE', id: '0123456789abcdef0123456789abcdef' }), true)
    assert.equal(await manager.addBinding('*', 'queue', { binding: 'JOBS', queue: 'shop-jobs' }), true)
    assert.ok(onlyAddsLines(text, readFileSync(path, 'utf8')), readFileSync(path, 'utf8'))

    // The same name again is an update of that entry, not a second one.
    await manager.addBinding('*', 'kv', { binding: 'CACHE', id: 'fedcba9876543210fedcba9876543210' })
    for (const env of [null, 'staging']) {
      const listed = await manager.listBindings(env)
      assert.deepEqual(listed.sort((a, b) => a.kind.localeCompare(b.kind)), [
        { kind: 'kv', binding: 'CACHE', id: 'fedcba9876543210fedcba9876543210' },
        { kind: 'queue', binding: 'JOBS', queue: 'shop-jobs' },
      ], `${env ?? 'top level'}`)
    }
    for (const run of wranglerReads(path)) assert.equal(run.error, null, `${run.env}: ${run.error}`)

    assert.equal(await manager.removeBinding('staging', 'queue', 'JOBS'), true)
    assert.equal(await manager.removeBinding('staging', 'queue', 'JOBS'), false, 'nothing left to remove')
    assert.deepEqual((await manager.listBindings('staging')).map((b) => b.binding), ['CACHE'])
    assert.deepEqual((await manager.listBindings(null)).map((b) => b.binding), ['CACHE', 'JOBS'], 'the top level keeps its own')
  })
}

test('a Durable Object of the worker gets its binding and the migration that creates its class; wrangler reads it', async () => {
  const dir = project({ 'wrangler.json': '{\n  "name": "rooms",\n  "main": "src/index.js",\n  "compatibility_date": "2025-01-01"\n}\n' })
  const path = join(dir, 'wrangler.json')
  const manager = new WranglerConfigManager({ configPath: path })
  await manager.addBinding(null, 'durable_object', { name: 'ROOMS', className: 'Room' })
  await manager.addBinding(null, 'durable_object', { name: 'LOBBY', class_name: 'Room' })
  await manager.addBinding(null, 'ai', { binding: 'AI' })
  const config = JSON.parse(readFileSync(path, 'utf8'))
  // New entries go where no existing line changes (in JSON, before the last one): order carries no meaning here.
  const byName = (a, b) => a.name.localeCompare(b.name)
  assert.deepEqual(config.durable_objects.bindings.sort(byName), [{ name: 'LOBBY', class_name: 'Room' }, { name: 'ROOMS', class_name: 'Room' }])
  assert.deepEqual(config.migrations, [{ tag: 'v1', new_sqlite_classes: ['Room'] }], 'one migration for the class, however many bindings')
  assert.deepEqual(config.ai, { binding: 'AI' })
  const [top] = wranglerReads(path)
  assert.equal(top.error, null)
  assert.deepEqual(top.warnings, [])
})

test('unknown kinds, missing fields and edits wrangler would refuse are E_INVALID_INPUT, and the file stays as it was', async () => {
  const dir = project({ 'wrangler.toml': TOML })
  const path = join(dir, 'wrangler.toml')
  const manager = new WranglerConfigManager({ configPath: path })
  const unknown = await rejection(manager.addBinding(null, 'kvv', { binding: 'X' }))
  assert.equal(unknown.code, 'E_INVALID_INPUT')
  assert.match(unknown.message, /Unknown binding kind "kvv": use one of d1, kv, r2, durable_object/)
  const missing = await rejection(manager.addBinding(null, 'service', { binding: 'AUTH' }))
  assert.match(missing.message, /The service binding AUTH needs service/)
  const badName = await rejection(manager.addBinding(null, 'kv', { binding: 'my-cache' }))
  assert.match(badName.message, /binding name "my-cache"/)
  // Present but of the wrong type: wrangler's reader refuses it, so the edit is refused.
  const invalid = await rejection(manager.addBinding(null, 'vectorize', { binding: 'INDEX', index_name: 42 }))
  assert.equal(invalid.code, 'E_INVALID_INPUT')
  assert.match(invalid.message, /the vectorize binding INDEX would make the config invalid: .*index_name/)
  assert.equal(readFileSync(path, 'utf8'), TOML)
})

test('addDatabaseBinding goes through the same edit: matched by binding or database name', async () => {
  const dir = project({ 'wrangler.toml': TOML })
  const manager = new WranglerConfigManager({ configPath: join(dir, 'wrangler.toml') })
  await manager.addDatabaseBinding('staging', { binding: 'DB', database_name: 'shop-db', database_id: 'id-1' })
  await manager.addDatabaseBinding('staging', { binding: 'MAIN', database_name: 'shop-db', database_id: 'id-2' })
  assert.deepEqual(await manager.listBindings('staging'), [{ kind: 'd1', binding: 'MAIN', database_name: 'shop-db', database_id: 'id-2' }])
})
