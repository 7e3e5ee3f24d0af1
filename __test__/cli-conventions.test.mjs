// The CLI as wrangler's users expect it: the project's .env files read as
// wrangler reads them (the real environment wins), --cwd and -e, and honest
// answers where there is nothing to work on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { exampleService, project, root, runCli as clodo } from './helpers.mjs'

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
  for (const args of [['config', 'show', '--path', empty], ['config', 'validate', '--path', empty], ['config', 'env', 'staging', '--path', empty]]) {
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

test('one way to name the service (--path, or -c with its config) and one default environment, in every command', () => {
  const dir = project({ 'wrangler.toml': SERVICE, 'other.toml': 'name = "other"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n' })
  const shown = JSON.parse(clodo(['config', 'show', '--path', dir, '--json']).stdout)
  assert.equal(shown.config.name, 'svc')
  const other = JSON.parse(clodo(['config', 'show', '-c', join(dir, 'other.toml'), '--json']).stdout)
  assert.equal(other.configPath, join(dir, 'other.toml'), '-c names the config, whatever its file name')
  assert.equal(other.config.name, 'other')
  const missing = clodo(['config', 'show', '-c', join(dir, 'nope.toml'), '--json'])
  assert.equal(missing.code, 2)
  assert.match(JSON.parse(missing.stdout).error.message, /--config .*nope\.toml/)
  const positional = clodo(['validate', dir])
  assert.equal(positional.code, 2, 'a path is no longer positional: --path names it, as in every command')

  const help = clodo(['--help']).stdout
  assert.match(help, /-e, --env <NAME>[\s\S]*production for what acts on Cloudflare[\s\S]*development for everything else/)
  for (const args of [['list'], ['db', 'list']]) {
    assert.equal(JSON.parse(clodo([...args, '--path', dir, '--json']).stdout).environment, 'development', args.join(' '))
    assert.equal(JSON.parse(clodo([...args, '--path', dir, '-e', 'staging', '--json']).stdout).environment, 'staging', args.join(' '))
  }
})

/** Runs the CLI in a pseudo-terminal of `columns` × 40 (util-linux `script`), answering `answers` as their prompts appear. */
function inTerminal(args, { columns = 100, answers = [], env = {} } = {}) {
  const command = `stty cols ${columns} rows 40; exec ${process.execPath} ${join(root, 'bin', 'clodo.js')} ${args.map((a) => `'${a}'`).join(' ')}`
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_API_TOKEN: '', NO_COLOR: '1', ...env } })
  let output = ''
  const pending = [...answers]
  child.stdout.on('data', (chunk) => {
    output += chunk
    // The prompt is drawn before it reads keys: answer a moment later, as a person would.
    while (pending.length > 0 && output.includes(pending[0][0])) {
      const answer = pending.shift()[1]
      setTimeout(() => child.stdin.write(answer), 300)
    }
  })
  return new Promise((done) => child.on('exit', (code) => done({ code, output })))
}

/**
 * The rows a terminal `columns` wide shows: escape codes split the stream, and a
 * run of text longer than a row wraps onto the next (indicatif pads each line to
 * the width and relies on that wrap), so a line that does not fit shows up as a
 * row that starts in the middle of something.
 */
function terminalRows(output, columns) {
  const rows = []
  for (const piece of output.split(/\x1b\[[0-9;?]*[A-Za-z]|[\r\n]+/)) {
    const chars = [...piece]
    for (let at = 0; at < chars.length; at += columns) rows.push(chars.slice(at, at + columns).join(''))
  }
  return rows.filter((r) => r.trim() !== '')
}

test('the live board fits a narrow terminal, lists queued domains and each phase\'s detail', async () => {
  const service = exampleService('clodo-board-')
  const { code, output } = await inTerminal(['deploy', '--local', '--no-tests', '--parallel', '1', '--path', service], { columns: 60 })
  assert.equal(code, 0, output)
  const board = terminalRows(output, 60).filter((r) => r.includes('['))
  assert.ok(board.length > 3, output)
  const misplaced = board.filter((r) => !/^[ ⠋⠙⠹⠸⠼⠴⠦⠧✓✗] [a-z]+\.example\.(com|org|net) +\[[█ ·]{6}\]/.test(r))
  assert.deepEqual(misplaced, [], 'every row of the board starts a domain\'s line: none spilled over the width')
  assert.ok(board.some((r) => / queued/.test(r)), 'a domain waiting its turn shows as queued')
  assert.ok(board.some((r) => /database: \d+ migration/.test(r)), 'a phase shows what it said')
  assert.ok(board.some((r) => /^✓ .* done/.test(r)), 'a finished domain is marked done')
})

test('prompts on a terminal: --interactive picks domains from a list, a production migration asks first', async () => {
  const service = exampleService('clodo-pick-')
  // Space unticks the first domain (all start ticked), Enter accepts the rest.
  const picked = await inTerminal(['deploy', '--local', '--no-tests', '-i', '--json', '--path', service], { answers: [['Deploy which domains?', ' \r']] })
  assert.equal(picked.code, 0, picked.output)
  const shown = picked.output.lastIndexOf('\x1b[?25h')
  const document = JSON.parse(picked.output.slice(picked.output.indexOf('{', shown)).replace(/\r/g, ''))
  assert.match(picked.output, /Deploy which domains\?: news\.example\.net \(data-service\), shop\.example\.com/)
  assert.equal(document.total, 2, 'one of the three domains was unticked')

  const asked = await inTerminal(['db', 'migrate', '-e', 'production', '--path', service], { answers: [['?', 'n']] })
  assert.equal(asked.code, 1, asked.output)
  assert.match(asked.output, /cancelled: no migration applied/)
})
