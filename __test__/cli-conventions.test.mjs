// The CLI as wrangler's users expect it: the project's .env files read as
// wrangler reads them (the real environment wins), --cwd and -e, and honest
// answers where there is nothing to work on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { project, runCli as clodo } from './helpers.mjs'

const SERVICE = 'name = "svc"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n\n[env.staging]\nname = "svc-staging"\n'

test('.env and .env.<env> in the working folder give clodo its settings, with --cwd, and the real environment wins', () => {
  const dir = project({ 'wrangler.toml': SERVICE })
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'index.js'), 'export default { fetch: () => new Response("ok") }\n')
  writeFileSync(join(dir, '.env'), 'CLODO_SECRET_KEY=' + 'ab'.repeat(32) + '\n')
  writeFileSync(join(dir, '.env.staging'), 'CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef\n')
  // The store key from .env opens the store: generate, then list, with no key in the real environment.
  writeFileSync(join(dir, '.dev.vars.example'), 'JWT_SECRET=\n')
  const generated = clodo(['--cwd', dir, 'secrets', 'generate', 'shop.example.com', '-e', 'staging'])
  assert.equal(generated.code, 0, generated.stderr)
  assert.match(generated.stderr, /using variables from \.env, \.env\.staging/)
  assert.doesNotMatch(generated.stderr + generated.stdout, /abababab/, 'values are never printed')
  const listed = clodo(['--cwd', dir, 'secrets', 'list', 'shop.example.com', '-e', 'staging', '--json'])
  assert.deepEqual(JSON.parse(listed.stdout).secrets, ['JWT_SECRET'])
  // A key in the real environment wins over the file's: the store cannot be opened with it.
  const wrong = clodo(['--cwd', dir, 'secrets', 'list', 'shop.example.com', '-e', 'staging'], { CLODO_SECRET_KEY: 'cd'.repeat(32) })
  assert.equal(wrong.code, 1)
  assert.match(wrong.stderr, /E_SECRET_STORE/)
})

test('nothing to work on is said, exits 1 and writes nothing', () => {
  const empty = project()
  for (const args of [['config', 'show', empty], ['config', 'validate', empty], ['config', 'env', 'staging', '--path', empty]]) {
    const r = clodo([...args, '--json'])
    assert.equal(r.code, 1, args.join(' '))
    assert.equal(JSON.parse(r.stdout).error.code, 'E_CONFIG_NOT_FOUND', args.join(' '))
  }
  assert.deepEqual(readdirSync(empty), [], 'no config was made up or written')
  const created = clodo(['config', 'env', 'staging', '--path', empty, '--create'])
  assert.equal(created.code, 0, created.stderr)
  assert.ok(existsSync(join(empty, 'wrangler.toml')))

  const missing = clodo(['customers', 'show', 'nobody', '--path', empty])
  assert.equal(missing.code, 1)
  const notAFolder = clodo(['deploy', '--local', '../no-such-folder'])
  assert.equal(notAFolder.code, 2)
  assert.match(notAFolder.stderr, /\.\.\/no-such-folder is not a folder here/)
  const noDomains = clodo(['deploy', '--local', join(empty)])
  assert.equal(noDomains.code, 2)
  assert.match(noDomains.stderr, /no domains to deploy to development in .*: looked in customer records \(config\/customers\/<customer>\/development\.env\)/)
})

test('every command, argument and flag has help text', () => {
  const commands = [
    ['deploy'], ['discover'], ['list'], ['status'], ['rollback'], ['validate'], ['test'],
    ['db', 'list'], ['db', 'status'], ['db', 'migrate'], ['db', 'create'], ['db', 'restore'], ['db', 'backup'],
    ['service', 'create'], ['service', 'init'],
    ['config', 'show'], ['config', 'validate'], ['config', 'env'], ['config', 'add-d1'],
    ['secrets', 'generate'], ['secrets', 'push'], ['secrets', 'list'], ['secrets', 'rotate'],
    ['customers', 'list'], ['customers', 'save'], ['customers', 'show'],
  ]
  for (const command of commands) {
    const help = clodo([...command, '--help'])
    assert.equal(help.code, 0, command.join(' '))
    // A line naming an argument or a flag with nothing after it has no help text.
    const bare = help.stdout.split('\n').filter((line) => /^\s{2,}((-\w, )?--[\w-]+( <[^>]+>)?|<[A-Z_]+>|\[[A-Z_]+\])\s*$/.test(line))
    assert.deepEqual(bare, [], `clodo ${command.join(' ')} --help`)
  }
})
