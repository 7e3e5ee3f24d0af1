// `clodo deploy` on projects shaped like real ones (tests/fixtures/projects),
// for real in local mode: health checks that mean something (a failing one
// fails the domain and the run exits 3; a single-page-app fallback is a
// warning; a worker without a health endpoint is checked for starting), and
// dry runs that plan in text, write nothing and need no secret store key.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliEnvironment, root, runCli as clodo } from './helpers.mjs'

/** The named fixtures copied side by side into a fresh folder of services. */
function projects(...names) {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-projects-'))
  for (const name of names) cpSync(join(root, 'tests', 'fixtures', 'projects', name), join(dir, name), { recursive: true })
  return dir
}

test('health means something: a failing check fails its domain (exit 3), an SPA fallback warns, no endpoint is said', () => {
  const dir = projects('spa-site', 'no-health', 'failing-health')
  const run = clodo(['deploy', '--local', dir, '--json'])
  assert.equal(run.code, 3, run.stderr)
  const document = JSON.parse(run.stdout)
  const results = Object.fromEntries(document.runs.flatMap((r) => r.summary.results).map((r) => [r.domain, r]))

  const broken = results['broken.example.io']
  assert.equal(broken.status, 'failed')
  assert.match(broken.error, /^post-validation: .*\/health: expected 2xx, got 503/)

  const spa = results['app.example.io']
  assert.equal(spa.status, 'completed-with-warnings', JSON.stringify(spa.phaseResults['post-validation']))
  assert.match(spa.warnings[0], /single-page-app fallback/)
  assert.match(spa.phaseResults.deployment.message, /assets-only/)

  const quietWorker = results['quiet.example.io']
  assert.equal(quietWorker.status, 'completed')
  assert.match(quietWorker.phaseResults['post-validation'].message, /answered 404: the worker starts \(it has no health endpoint/)
  assert.equal(document.successful, 2)
})

test('--health-path and --health-expect override the service: a wrong expectation fails the domain', () => {
  const dir = projects('custom-build')
  const service = join(dir, 'custom-build')
  const run = clodo(['deploy', '--local', service, 'one.example.com', '--health-expect', 'no such text', '--json'])
  assert.equal(run.code, 1, run.stderr)
  const [result] = JSON.parse(run.stdout).runs[0].summary.results
  assert.match(result.error, /without the expected text "no such text"/)
  const bad = clodo(['deploy', '--local', service, 'one.example.com', '--health-path', 'health'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--health-path: path "health" must start with \//)
})

test('a dry run prints its plan, says planned, writes no state and needs no secret store key', () => {
  const dir = projects('temp-mail')
  const service = join(dir, 'temp-mail')
  const local = clodo(['deploy', '--local', '--dry-run', service, 'mail.example.com'])
  assert.equal(local.code, 0, local.stderr)
  assert.match(local.stdout, /write .*\.clodo\/rendered\/mail\.example\.com\/development\/wrangler\.json/)
  assert.match(local.stdout, /migrate database from db\/migrations in the run's local helper/)
  assert.match(local.stdout, /serve the built worker in the run's local helper .*, then GET \/healthz/)
  assert.match(local.stdout, /1 of 1 domain\(s\) planned; nothing was changed/)
  assert.doesNotMatch(local.stdout, /deployed|state /)
  assert.equal(existsSync(join(service, '.clodo')), false, 'a dry run writes nothing')

  const remote = clodo(['deploy', '--remote', '--dry-run', '--env', 'staging', service, 'mail.example.com'], { CLOUDFLARE_API_TOKEN: 'test-token-not-used', CLOUDFLARE_ACCOUNT_ID: '0123456789abcdef0123456789abcdef' })
  assert.equal(remote.code, 0, remote.stderr)
  assert.match(remote.stderr, /warning: temp-mail: wrangler\.jsonc has no environment "staging"/)
  // Every step but the upload is a request to Cloudflare's API, each said with what it is for.
  assert.match(remote.stdout, /GET \/accounts\/<account>\/d1\/database \(once per run\): create D1 database mail-example-com-staging-database-db \(POST\) when it is not listed/)
  assert.match(remote.stdout, /POST \/accounts\/<account>\/d1\/database\/<mail-example-com-staging-database-db>\/query: apply db\/migrations with wrangler's d1_migrations bookkeeping/)
  assert.match(remote.stdout, /upload secrets JWT_SECRET with/)
  assert.match(remote.stdout, /planned; nothing was changed/)
  assert.equal(existsSync(join(service, '.clodo')), false)
})

test('config show lists every binding', () => {
  const dir = projects('temp-mail')
  const shown = clodo(['config', 'show', '--path', join(dir, 'temp-mail'), '--json'])
  assert.equal(shown.code, 0, shown.stderr)
  assert.deepEqual(JSON.parse(shown.stdout).bindings.map((b) => `${b.kind} ${b.binding} ${b.target}`), ['D1 database temp-mail-prod', 'D1 TEMP_MAIL_DB temp-mail-inbox'])
})

test('two deploys of one service and environment: the second fails at once naming the first, or waits with --wait', async () => {
  const dir = projects('no-health')
  const service = join(dir, 'no-health')
  const run = (...extra) => new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'clodo.js'), 'deploy', '--local', service, '--json', ...extra], { env: cliEnvironment })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
  const [first, second] = await Promise.all([run(), run()])
  const [won, lost] = first.code === 0 ? [first, second] : [second, first]
  assert.equal(won.code, 0, won.stderr)
  assert.equal(lost.code, 1, lost.stdout + lost.stderr)
  assert.equal(JSON.parse(lost.stdout).error.code, 'E_LOCKED')
  assert.match(JSON.parse(lost.stdout).error.message, /deployment deploy-.* \(process \d+\) is already deploying .*no-health to development/)
  assert.equal(readdirSync(join(service, '.clodo', 'deployments')).length, 1, 'one run, one state file')

  const [a, b] = await Promise.all([run('--wait'), run('--wait')])
  assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr)
})

/** Pids of live processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text) {
  const found = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmdline.includes(text) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) found.push(Number(pid))
    } catch {}
  }
  return found
}

/** Live processes descended from `pids` (Linux /proc): what the run's servers started in turn. */
function descendants(pids) {
  const parents = new Map()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (state !== 'Z') parents.set(Number(pid), Number(ppid))
    } catch {}
  }
  const found = new Set(pids)
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, ppid] of parents) if (found.has(ppid) && !found.has(pid)) grew = found.add(pid) && true
  }
  return [...found].filter((pid) => parents.has(pid))
}

/**
 * `clodo deploy --local service` on a copy of no-health whose worker takes 8 s to answer, once its health check's
 * server (the run's helper, or with CLODO_LOCAL_HELPER=0 a `wrangler dev`) and what that started are running.
 */
async function deployUntilServing(service, env = {}) {
  writeFileSync(join(service, 'src', 'worker.js'), 'export default { fetch: () => new Promise((done) => setTimeout(() => done(new Response("late", { status: 404 })), 8000)) };\n')
  const child = spawn(process.execPath, [join(root, 'bin', 'clodo.js'), 'deploy', '--local', service], { env: { ...cliEnvironment, ...env } })
  const output = { stderr: '' }
  child.stderr.on('data', (d) => (output.stderr += d))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  // Serving once a process the run started for the service (not the CLI itself) runs workerd.
  const servers = () => descendants(processesMentioning(service).filter((pid) => pid !== child.pid))
  const serving = () => servers().some((pid) => commandLine(pid).includes('workerd'))
  for (let waited = 0; !serving(); waited += 50) {
    assert.ok(waited < 120_000, `nothing served the service:\n${output.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, exited, output, running: servers() }
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return ''
  }
}

const alive = (pids) => pids.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '))

test('Ctrl-C during a deploy stops every process it started; status then says interrupted', { skip: process.platform !== 'linux' }, async () => {
  const dir = projects('no-health')
  const service = join(dir, 'no-health')
  const { child, exited, output, running } = await deployUntilServing(service)
  assert.ok(running.length >= 2, 'the helper serving the service, and its workerd')
  child.kill('SIGINT')
  const { code } = await exited
  assert.equal(code, 130, output.stderr)
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.deepEqual(alive(running), [], 'nothing the run started is left running')
  const status = JSON.parse(clodo(['status', '--path', service, '--json']).stdout)
  assert.equal(status.domains['quiet.example.io'].status, 'interrupted')
})

test("a deploy killed with SIGKILL leaves no helper behind: it ends when the run's end of its pipe closes", { skip: process.platform !== 'linux' }, async () => {
  const dir = projects('no-health')
  const service = join(dir, 'no-health')
  const { child, exited, running } = await deployUntilServing(service)
  child.kill('SIGKILL')
  await exited
  for (let waited = 0; alive(running).length > 0 && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.deepEqual(alive(running), [], 'the helper and its workerd ended by themselves')
})

test('a deploy killed with SIGKILL while a wrangler dev serves: whatever it left, the next deploy of the service ends', { skip: process.platform !== 'linux' }, async () => {
  const dir = projects('no-health')
  const service = join(dir, 'no-health')
  const { child, exited, running } = await deployUntilServing(service, { CLODO_LOCAL_HELPER: '0' })
  child.kill('SIGKILL')
  await exited
  // What survives depends on wrangler (its CLI process may outlive the one clodo started); the next run reaps it.
  writeFileSync(join(service, 'src', 'worker.js'), 'export default { fetch: () => new Response("nothing here", { status: 404 }) };\n')
  const again = clodo(['deploy', '--local', service, '--json'], { CLODO_LOCAL_HELPER: '0' })
  assert.equal(again.code, 0, again.stderr)
  assert.deepEqual(alive(running), [], 'nothing the killed run started is left')
  assert.deepEqual(processesMentioning(service), [], 'nor anything the next run started')
})

test('deploy --report draws the run: one row per domain, and a page Chromium renders', async () => {
  const dir = projects('no-health', 'spa-site')
  const report = join(dir, 'report.html')
  const run = clodo(['deploy', '--local', dir, '--report', report, '--json'])
  assert.equal(run.code, 0, run.stderr)
  const page = readFileSync(report, 'utf8')
  assert.equal((page.match(/<tr class="domain">/g) ?? []).length, 2)
  assert.match(page, /quiet\.example\.io/)
  assert.match(page, /app\.example\.io/)
  assert.doesNotMatch(page, /<script|\s(src|href)=|url\(/, 'self-contained: nothing to run or fetch')

  const chromium = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version']).status === 0)
  if (!chromium && !process.env.CI) return // .ci/run installs it; a developer machine may not have it
  assert.ok(chromium, 'CI has Chromium (Debian package chromium)')
  const shot = (url, file) => spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1200,700', `--screenshot=${file}`, url], { timeout: 60_000 })
  const blank = join(dir, 'blank.png')
  const drawn = join(dir, 'report.png')
  shot('about:blank', blank)
  shot(`file://${report}`, drawn)
  assert.ok(statSync(drawn).size > 2 * statSync(blank).size, `the report renders as more than a blank page (${statSync(drawn).size} vs ${statSync(blank).size} bytes)`)
})
