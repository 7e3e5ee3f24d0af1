// Reads each config named on stdin (one path a line) with wrangler's own
// config reader, the one `wrangler deploy` uses (`unstable_readConfig`, the
// exported name of readConfig), for the top level and for each environment;
// prints every run's rendered errors and warnings as JSON.
//
// Why this reader and not the CLI: it is exported by the package, runs the
// whole of wrangler's validation without touching the network or the
// account, and reads hundreds of files in one process. The CLI would need a
// command per file and env that validates without deploying, and
// `deploy --dry-run` also bundles, which fails on configs whose sources are
// not here.
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const { unstable_readConfig: readConfig } = require('wrangler')

let warnings = []
console.warn = (...args) => warnings.push(args.join(' '))
for (const name of ['log', 'info', 'debug', 'error']) console[name] = () => {}

function read(file, env) {
  warnings = []
  let error = null
  let config = null
  try {
    config = readConfig({ config: file, env })
  } catch (e) {
    error = e.message
  }
  return { file, env: env ?? null, error, warnings, defined: config?.definedEnvironments }
}

// The environments of a file: wrangler names them when it reads the top level;
// when that read fails, asking for an environment the file does not have
// makes wrangler list the ones it has.
function environments(file, top) {
  if (top.defined) return top.defined
  const probe = read(file, 'clodo-no-such-env')
  const listed = (probe.error ?? '').match(/available configured environment names are: (\[.*\])/)
  return listed ? JSON.parse(listed[1]) : []
}

const files = readFileSync(0, 'utf8').split('\n').filter(Boolean)
const started = performance.now()
const runs = []
for (const file of files) {
  const top = read(file)
  runs.push(top)
  for (const env of environments(file, top)) runs.push(read(file, env))
}
const ms = performance.now() - started
process.stdout.write(JSON.stringify({ runs: runs.map(({ defined, ...run }) => run), ms }))
