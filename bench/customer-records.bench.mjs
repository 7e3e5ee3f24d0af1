// UnifiedConfigManager: loading a listing of 1,000 customers × 3 environments,
// clodo (native) side by side with @tamyla/clodo-framework 4.0.12, same files,
// same machine, one run. Target: clodo under 100 ms.
//   npm run build && node bench/customer-records.bench.mjs
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const clodo = createRequire(import.meta.url)(root)
const { UnifiedConfigManager: Original } = await import('@tamyla/clodo-framework/utils/config')

const CUSTOMERS = 1000
const ENVIRONMENTS = ['development', 'staging', 'production']
const configDir = join(mkdtempSync(join(tmpdir(), 'clodo-bench-records-')), 'customers')

// Records in the original's own layout (what operators have on disk today).
for (let i = 0; i < CUSTOMERS; i++) {
  const customer = `customer-${String(i).padStart(4, '0')}`
  mkdirSync(join(configDir, customer), { recursive: true })
  for (const env of ENVIRONMENTS) {
    writeFileSync(join(configDir, customer, `${env}.env`), [
      `# Deployment Configuration - ${customer} (${env})`, '# Last Updated: 2026-11-01T00:00:00.000Z', '',
      `CUSTOMER_ID=${customer}`, `CUSTOMER_NAME=${customer}`, `ENVIRONMENT=${env}`, '',
      `CLOUDFLARE_ACCOUNT_ID=${'a'.repeat(32)}`, `CLOUDFLARE_ZONE_ID=${'b'.repeat(32)}`, '',
      'SERVICE_NAME=data-service', 'SERVICE_TYPE=data-service', `DISPLAY_NAME=Customer ${i}`, 'DESCRIPTION=Data service for a customer', '',
      `DOMAIN=${customer}.example.com`, `CUSTOMER_DOMAIN=${customer}.example.com`, `DEPLOYMENT_URL=https://api.${customer}.example.com`, '',
      `DATABASE_NAME=${customer}-${env}-db`, `D1_DATABASE_NAME=${customer}-${env}-db`, `D1_DATABASE_ID=${i}-${env}`, '',
      `WORKER_NAME=${customer}-data-service`, '', 'HEALTH_CHECK_PATH=/health', 'API_BASE_PATH=/api/v1', 'LOG_LEVEL=info', 'NODE_COMPATIBILITY=v18', '',
    ].join('\n'))
  }
}

/** Every record of every listed customer, one `loadCustomerConfig` call each (how scripts use both packages). */
function loadListing(manager) {
  const records = []
  for (const customer of manager.listCustomers()) {
    for (const env of ENVIRONMENTS) records.push(manager.loadCustomerConfig(customer, env))
  }
  return records
}

/** Median milliseconds of `runs` runs after one warm-up, and the last result. */
function time(runs, fn) {
  let result = fn()
  const samples = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    result = fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  samples.sort((a, b) => a - b)
  return { ms: samples[Math.floor(runs / 2)], result }
}

const original = new Original({ configDir })
const native = new clodo.UnifiedConfigManager({ configDir })
const o = time(7, () => loadListing(original))
const c = time(7, () => loadListing(native))
const bulk = time(7, () => native.listCustomerConfigs())

// Same answers, or the timing means nothing.
const same = JSON.stringify(o.result) === JSON.stringify(c.result) && bulk.result.length === CUSTOMERS * ENVIRONMENTS.length
if (!same) throw new Error('clodo and the original loaded different records')

const fmt = (ms) => `${ms.toFixed(1)} ms`
console.log(`\nUnifiedConfigManager — ${CUSTOMERS} customers × ${ENVIRONMENTS.length} environments (${process.platform}-${process.arch}, node ${process.version}; median of 7)\n`)
console.log('| operation | original | clodo | speed-up |')
console.log('|---|---:|---:|---:|')
console.log(`| listCustomers + loadCustomerConfig for each record | ${fmt(o.ms)} | ${fmt(c.ms)} | ${(o.ms / c.ms).toFixed(1)}× |`)
console.log(`| listCustomerConfigs() (clodo only: one call, statuses included) | ${fmt(o.ms)} | ${fmt(bulk.ms)} | ${(o.ms / bulk.ms).toFixed(1)}× |`)
console.log(`\ntarget: under 100 ms — ${Math.max(c.ms, bulk.ms) < 100 ? 'met' : 'NOT met'}`)
