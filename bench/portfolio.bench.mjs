// A portfolio of 12 local domains of examples/data-service: clodo's
// MultiDomainOrchestrator with parallelDeployments 1 and 2 (local D1, real
// builds, wrangler dev health checks), its dry-run plan, and the original
// package's orchestrator in dry run (it cannot run locally). clodo never
// sleeps: its wall time should be the wrangler processes' own time divided by
// the concurrency, plus 10 % at most.
//   npm run build && node bench/portfolio.bench.mjs
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir, availableParallelism } from 'node:os'
import { basename, join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { MultiDomainOrchestrator } = createRequire(import.meta.url)(root)
const domains = Array.from({ length: 12 }, (_, i) => `customer-${i + 1}.example.com`)

function service() {
  const dir = mkdtempSync(join(tmpdir(), 'clodo-bench-portfolio-'))
  // Without the state a demo run leaves in the example.
  cpSync(join(root, 'examples', 'data-service'), dir, { recursive: true, filter: (from) => !['.clodo', 'logs', '.wrangler'].includes(basename(from)) })
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

async function clodo(parallelDeployments, dryRun = false) {
  const orchestrator = new MultiDomainOrchestrator({ servicePath: service(), domains, environment: 'development', parallelDeployments, dryRun })
  const started = performance.now()
  const result = await orchestrator.deployPortfolio()
  const wall = performance.now() - started
  if (!dryRun && result.summary.successful !== domains.length) throw new Error(`failed: ${JSON.stringify(result.failed)} ${result.results.map((r) => r.error).join('; ')}`)
  // Time inside wrangler processes: the phases that run one.
  const wrangler = result.results.flatMap((r) => ['database', 'deployment', 'post-validation'].map((p) => r.phaseResults[p]?.durationMs ?? 0)).reduce((a, b) => a + b, 0)
  return { wall, wrangler }
}

async function original() {
  const { MultiDomainOrchestrator: Original } = await import('@tamyla/clodo-framework/orchestration')
  const log = console.log
  console.log = () => {}
  try {
    const orchestrator = new Original({ domains, environment: 'development', dryRun: true, servicePath: service(), parallelDeployments: 2 })
    const started = performance.now()
    await orchestrator.initialize()
    await orchestrator.deployPortfolio()
    return performance.now() - started
  } finally {
    console.log = log
  }
}

const plan = await clodo(2, true)
const one = await clodo(1)
const two = await clodo(2)
const theirs = await original()
const s = (ms) => `${(ms / 1000).toFixed(2)} s`
console.log(`Portfolio of ${domains.length} local domains, ${availableParallelism()} cores`)
console.log(`clodo dry-run plan:                         ${plan.wall.toFixed(1)} ms`)
console.log(`@tamyla/clodo-framework dry run (no work):  ${s(theirs)}`)
for (const [n, r] of [[1, one], [2, two]]) {
  const ideal = r.wrangler / n
  console.log(`clodo parallelDeployments ${n}:  wall ${s(r.wall)}, wrangler ${s(r.wrangler)} / ${n} = ${s(ideal)}, overhead ${(((r.wall - ideal) / ideal) * 100).toFixed(1)} % (target ≤10 %)`)
}
console.log(`speed-up from parallelDeployments 2: ${(one.wall / two.wall).toFixed(2)}×`)
