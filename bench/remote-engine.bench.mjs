// The remote engine (issue 17): a portfolio of examples/data-service deployed
// remotely, against the test API server with 50 ms per request and Cloudflare's
// real limit (1,200 requests per five minutes per token; over it, every call is
// refused for five minutes). clodo now: each step but the upload through the
// API, paced with the token's budget, and one `wrangler deploy` per domain;
// before: a wrangler process per step (CLODO_REMOTE_API=0), on fewer domains,
// for the ratio. Each run has a test API server (and so a budget) of its own.
// Prints wall time, the rate-limit floor for the requests made (requests ÷ 4
// per second), requests and wrangler processes per domain, 429s and the time
// waited for the budget.
//   npm run build && node bench/remote-engine.bench.mjs [domains] [domains-before]
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { startCloudflareApi } from '../__test__/support/cloudflare-api.mjs'
import { countedService, root } from './counted-service.mjs'

const { MultiDomainOrchestrator } = createRequire(import.meta.url)(root)
const [now, before] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 10)]
const token = 'bench-remote-token'
const accountId = '0b1e2c3d4e5f60718293a4b5c6d7e8f9'
const PER_SECOND = 1200 / 300
process.env.WRANGLER_SEND_METRICS = 'false'

async function run(count, byApi) {
  // Each customer on a zone of its own, as a portfolio of customer domains is.
  const domains = Array.from({ length: count }, (_, i) => `customer-${i + 1}.com`)
  const api = await startCloudflareApi({ token, accountId, latencyMs: 50, zones: domains })
  process.env.CLOUDFLARE_API_BASE_URL = api.baseUrl
  process.env.CLODO_REMOTE_API = byApi ? '1' : '0'
  try {
    const { dir, wrapper, processes } = countedService('clodo-bench-remote-')
    const orchestrator = new MultiDomainOrchestrator({
      servicePath: dir, domains, environment: 'staging', parallelDeployments: 3, wranglerPath: wrapper, secretKey: '5a'.repeat(32),
      cloudflareSettings: { token, accountId }, skipTests: true,
    })
    const started = performance.now()
    const result = await orchestrator.deployPortfolio()
    const wall = performance.now() - started
    if (result.summary.successful !== count) throw new Error(result.results.map((r) => r.error).filter(Boolean).slice(0, 3).join('; '))
    const wrangler = processes().filter((l) => !l.startsWith('--version'))
    const requests = api.requests.filter((q) => q.path.startsWith('/client/v4'))
    const fromWrangler = requests.filter((q) => q.agent?.startsWith('wrangler')).length
    const waited = result.results.reduce((sum, r) => sum + (r.api?.waitedMs ?? 0), 0)
    // What the requests were, per domain: method and path with names and ids folded.
    const kinds = {}
    for (const q of requests) {
      const kind = `${q.agent?.startsWith('wrangler') ? 'wrangler' : 'clodo'} ${q.method} ${q.path.replace(/\/client\/v4\/accounts\/[^/]+/, '').replace(/\/(scripts|services|database|zones)\/[^/]+/, '/$1/…')}`
      kinds[kind] = (kinds[kind] ?? 0) + 1
    }
    return { count, kinds, wall, requests: requests.length, fromWrangler, wrangler: wrangler.length, tooMany: requests.filter((q) => q.status === 429).length, waited, maxWait: Math.max(0, ...result.results.map((r) => r.api?.waitedMs ?? 0)) }
  } finally {
    await api.close()
  }
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`
function report(label, r) {
  const floor = (r.requests / PER_SECOND) * 1000
  console.log(`${label}: ${r.count} domains in ${s(r.wall)}; rate-limit floor for its ${r.requests} requests ${s(floor)} (wall ÷ floor ${(r.wall / floor).toFixed(2)})`)
  console.log(`  per domain: ${(r.requests / r.count).toFixed(1)} API requests (${((r.requests - r.fromWrangler) / r.count).toFixed(1)} clodo's, ${(r.fromWrangler / r.count).toFixed(1)} wrangler's), ${(r.wrangler / r.count).toFixed(1)} wrangler processes; ${s(r.wall / r.count)} of wall time`)
  console.log(`  429 answers: ${r.tooMany}; waited for the budget: ${s(r.waited)} summed over domains, ${s(r.maxWait)} at most for one`)
  for (const [kind, n] of Object.entries(r.kinds).sort((a, b) => b[1] - a[1])) console.log(`    ${(n / r.count).toFixed(2).padStart(6)} × ${kind}`)
}

console.log(`Remote portfolio of examples/data-service, parallelDeployments 3, ${availableParallelism()} cores; test API server with 50 ms per request and the real limit (1,200 / 5 min)`)
const oldWay = await run(before, false)
report('A wrangler process per step (before, CLODO_REMOTE_API=0)', oldWay)
const newWay = await run(now, true)
report('Through the API, one wrangler deploy per domain (clodo now)', newWay)
console.log(`Per domain, wall time: ${s(oldWay.wall / oldWay.count)} before, ${s(newWay.wall / newWay.count)} now (${(oldWay.wall / oldWay.count / (newWay.wall / newWay.count)).toFixed(1)}× faster)`)
