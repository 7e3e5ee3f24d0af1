// Service creation: every type builds with `wrangler deploy --dry-run` and
// answers /health under the real `wrangler dev` as written; a created data
// service deploys with `clodo deploy --local`, its domain found in
// src/config/domains.js.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clodo, rejection, root, startWranglerDev } from './helpers.mjs'

const { createService, ServiceCreator } = clodo
const wrangler = join(root, 'node_modules', '.bin', 'wrangler')

/** The project as after `npm install`: clodo (this checkout) in its node_modules. */
function installed(path) {
  mkdirSync(join(path, 'node_modules'), { recursive: true })
  symlinkSync(root, join(path, 'node_modules', 'clodo'))
}

for (const [type, format] of [['generic', 'toml'], ['data-service', 'toml'], ['api-gateway', 'jsonc'], ['static-site', 'toml']]) {
  test(`a ${type} service builds and answers /health untouched`, async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clodo-create-'))
    const created = await createService(type, { name: `my-${type}`, domains: ['api.example.com'], format, outputPath: parent })
    assert.equal(created.path, join(parent, `my-${type}`))
    const config = format === 'jsonc' ? 'wrangler.jsonc' : 'wrangler.toml'
    for (const file of [config, 'src/index.js', 'src/config/domains.js', 'migrations/0001_init.sql', 'package.json', 'README.md']) {
      assert.ok(created.files.includes(file), `${file} written`)
    }
    installed(created.path)
    const outdir = join(created.path, 'dist')
    execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', outdir, '--config', join(created.path, config)], { cwd: created.path, env: { ...process.env, CI: 'true' }, stdio: 'pipe' })
    assert.ok(readdirSync(outdir).includes('index.js'), 'a bundle was built')

    const dev = await startWranglerDev(join(created.path, config), created.path)
    try {
      const response = await fetch(`${dev.base}/health`)
      assert.equal(response.status, 200)
      const health = await response.json()
      assert.equal(health.service, `my-${type}`)
      assert.equal(health.database.name, `my-${type}-db`)
      assert.equal(health.database.ready, false, 'migrations not applied yet, and it says so')
    } finally {
      dev.stop()
    }
  })
}

test('clodo service create, then clodo deploy --local finds its domain and deploys it', () => {
  const parent = mkdtempSync(join(tmpdir(), 'clodo-create-cli-'))
  const bin = join(root, 'bin', 'clodo.js')
  const run = (args) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CLOUDFLARE_API_TOKEN: '' }, timeout: 240_000 })
  const created = run(['service', 'create', 'shop-data', '--type', 'data-service', '--domain', 'shop.example.com', '--path', parent, '--json'])
  assert.equal(created.status, 0, created.stderr)
  const path = JSON.parse(created.stdout).path
  installed(path)
  const listed = JSON.parse(run(['list', '--path', path, '--json']).stdout)
  assert.deepEqual(listed.services[0].domains, [{ domain: 'shop.example.com', source: 'src/config/domains.js' }])
  const deployed = run(['deploy', path, '--local', '--json'])
  assert.equal(deployed.status, 0, deployed.stdout + deployed.stderr)
  const result = JSON.parse(deployed.stdout).runs[0].summary.results[0]
  assert.equal(result.status, 'completed')
  assert.equal(result.phaseResults.database.details.migrationsApplied, 1)
  const health = result.phaseResults['post-validation'].details.health
  assert.equal(health.statusCode, 200)
  assert.match(health.bodyExcerpt, /"domain":"shop\.example\.com".*"ready":true,"rows":1/)

  const again = run(['service', 'create', 'shop-data', '--path', parent])
  assert.equal(again.status, 1)
  assert.match(again.stderr, /already exists and is not empty/)
})

test('bad names and types are refused and nothing is written', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'clodo-create-bad-'))
  const name = await rejection(createService('generic', { name: 'My Service', outputPath: parent }))
  assert.equal(name.code, 'E_INVALID_INPUT')
  assert.match(name.message, /^Invalid service name "My Service": use 1–63 lowercase letters/)
  const type = await rejection(new ServiceCreator({ outputDir: parent }).createService('mainframe', { name: 'ok' }))
  assert.match(type.message, /^Invalid service type "mainframe": use one of generic, data-service, api-gateway, static-site/)
  const domain = await rejection(createService('generic', { name: 'ok', domains: ['not a domain'], outputPath: parent }))
  assert.equal(domain.code, 'E_INVALID_INPUT')
  assert.deepEqual(readdirSync(parent), [])
  assert.equal(existsSync(join(parent, 'ok')), false)
  assert.ok(readFileSync(join(root, 'templates', 'service', 'index.generic.js'), 'utf8').includes("from 'clodo/worker'"))
})
