// The local engine as the portfolio grows (issue 16): 1, 3, 6 and 12 local
// domains of examples/data-service through every phase (local D1, real build,
// health check), with every domain's D1 migrations and health check in the
// run's one helper process (miniflare), side by side with a `wrangler d1
// migrations apply --local` and a `wrangler dev` per domain
// (CLODO_LOCAL_HELPER=0, what it replaces). Prints the wall time, its ratio to
// one domain, the time per phase and how many wrangler and helper processes
// the run started.
//   npm run build && node bench/local-engine.bench.mjs [max-domains]
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { countedService, root } from './counted-service.mjs'

const { MultiDomainOrchestrator } = createRequire(import.meta.url)(root)
const sizes = [1, 3, 6, 12].filter((n) => n <= Number(process.argv[2] ?? 12))
const PHASES = ['initialization', 'database', 'secrets', 'deployment', 'post-validation']

async function run(count, helper) {
  process.env.CLODO_LOCAL_HELPER = helper ? '1' : '0'
  const { dir, wrapper, processes } = countedService('clodo-bench-engine-')
  const domains = Array.from({ length: count }, (_, i) => `customer-${i + 1}.example.com`)
  const orchestrator = new MultiDomainOrchestrator({ servicePath: dir, domains, environment: 'development', parallelDeployments: 2, wranglerPath: wrapper })
  const started = performance.now()
  const result = await orchestrator.deployPortfolio()
  const wall = performance.now() - started
  if (result.summary.successful !== count) throw new Error(result.results.map((r) => r.error).join('; '))
  const phases = Object.fromEntries(PHASES.map((p) => [p, result.results.reduce((sum, r) => sum + (r.phaseResults[p]?.durationMs ?? 0), 0)]))
  const wrangler = processes()
  return { wall, phases, wrangler: wrangler.length, migrations: wrangler.filter((l) => l.startsWith('d1 migrations')).length, dev: wrangler.filter((l) => l.startsWith('dev ')).length }
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`
console.log(`Local engine, examples/data-service, parallelDeployments 2, ${availableParallelism()} cores`)
const baseline = {}
for (const helper of [true, false]) {
  console.log(helper ? '\nMigrations and health checks in one helper process (clodo now):' : '\nA wrangler d1 migrations apply and a wrangler dev per domain (before):')
  for (const n of sizes) {
    const r = await run(n, helper)
    baseline[helper] ??= r.wall
    const split = PHASES.map((p) => `${p} ${s(r.phases[p])}`).join(', ')
    console.log(`  ${String(n).padStart(2)} domain(s): wall ${s(r.wall)} (${(r.wall / baseline[helper]).toFixed(2)}× one domain), ${r.wrangler} wrangler processes (${r.migrations} for migrations, ${r.dev} dev)${helper ? ', 1 helper' : ''}; summed phases: ${split}`)
  }
}
