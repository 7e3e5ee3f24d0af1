// DeploymentAuditor: JSON lines that several processes append to at once,
// credentials kept out, reports read back from the file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { clodo, project, read, root } from './helpers.mjs'

const { DeploymentAuditor } = clodo

function writer(dir, id, count) {
  const script = `
    const { DeploymentAuditor } = require(${JSON.stringify(root)})
    const auditor = new DeploymentAuditor({ servicePath: ${JSON.stringify(dir)}, environment: 'staging' })
    const pad = 'x'.repeat(6000)
    ;(async () => {
      for (let i = 0; i < ${count}; i++) {
        await auditor.recordDeployment({ deploymentId: 'w${id}-' + i, domain: 'd${id}.example.com', status: 'success', durationMs: i, pad })
      }
    })()`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' })
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${id} exited ${code}`))))
  })
}

test('four processes appending at once: every line valid JSON, nothing lost', async () => {
  const dir = project()
  await Promise.all([0, 1, 2, 3].map((id) => writer(dir, id, 150)))
  const lines = read(join(dir, 'logs', 'deployment-audit.log')).trim().split('\n')
  assert.equal(lines.length, 600)
  const ids = new Set(lines.map((line) => JSON.parse(line).deploymentId))
  assert.equal(ids.size, 600)
  const report = await new DeploymentAuditor({ servicePath: dir }).getAuditReport({ domain: 'd2.example.com' })
  assert.equal(report.summary.deployments, 150)
  assert.equal(report.summary.succeeded, 150)
  assert.equal(report.summary.unreadableLines, 0)
})

test('a deployment followed through its phases, with credentials left out of the file', async () => {
  const dir = project()
  const auditor = new DeploymentAuditor({ servicePath: dir, environment: 'production' })
  auditor.startDeploymentAudit('deploy-1', 'shop.example.com', { environment: 'production', cloudflareToken: 'cf-secret-token-1234' })
  auditor.logPhase('deploy-1', 'database', 'start')
  auditor.logPhase('deploy-1', 'database', 'end', { migrationsApplied: 2 })
  auditor.logDeployment('deploy-1', { phase: 'deployment', outcome: 'success', versionId: '7f3c2e1a', headers: { Authorization: 'Bearer cf-secret-token-1234' } })
  auditor.logError('deploy-1', new Error('health check failed: 500'))
  const end = auditor.endDeploymentAudit('deploy-1', 'failed', { reason: 'post-validation' })
  assert.equal(typeof end.durationMs, 'number')
  const recorded = await auditor.recordDeployment({ domain: 'blog.example.com', status: 'success', url: 'https://blog.example.com', apiToken: 'cf-secret-token-1234' })
  assert.match(recorded.auditId, /^deploy-/)

  const text = read(auditor.logFile)
  assert.equal(text.includes('cf-secret-token-1234'), false)
  const report = await auditor.getAuditReport('deploy-1')
  const [deployment] = report.deployments
  assert.equal(deployment.status, 'failed')
  assert.equal(deployment.domain, 'shop.example.com')
  assert.equal(deployment.versionId, '7f3c2e1a')
  assert.deepEqual(deployment.phases.map((p) => `${p.phase}:${p.event}`), ['database:PHASE_START', 'database:PHASE_END'])
  assert.deepEqual(deployment.errors, ['health check failed: 500'])
  const since = await auditor.getAuditReport({ since: new Date(Date.now() + 60_000).toISOString() })
  assert.equal(since.summary.entries, 0)
  const off = new DeploymentAuditor({ servicePath: project(), enableAuditing: false })
  assert.equal((await off.recordDeployment({ domain: 'x.example.com' })).status, 'disabled')
})
