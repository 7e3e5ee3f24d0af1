// Compiled by types.test.mjs with `tsc --strict --noEmit`, never run: the calls
// scripts make type-check, and every `@ts-expect-error` proves a type is precise
// (were it `any`, the directive would be unused and tsc would fail).
import {
  CrossDomainCoordinator,
  DatabaseOrchestrator,
  MultiDomainOrchestrator,
  RollbackManager,
  DeploymentAuditor,
  DeploymentValidator,
  EnhancedSecretManager,
  ProductionTester,
  UnifiedConfigManager,
  WranglerConfigManager,
  errorCodes,
} from '../../index'
import { SECRET_CONFIGS } from '../../js/utils-deployment'

export async function databases(): Promise<number> {
  const db = new DatabaseOrchestrator({ projectRoot: '.', environments: { staging: { isRemote: false } } })
  const applied = await db.applyDatabaseMigrations('shop-db', 'DB', 'development')
  const count: number = applied.migrationsApplied
  // @ts-expect-error status is a string union, not a number
  const wrong: number = applied.status
  const status = await db.getMigrationStatus('shop-db', 'development')
  const pending: string[] = status.pending
  const across = await db.applyMigrationsAcrossEnvironments({ environments: ['development'], confirm: async (op) => op.environment === 'development' })
  const skipped: number = across.summary.skipped
  const restore = await db.restoreDatabaseBackup('backups/x.sql', { database: 'shop-db', force: true })
  if (restore.status === 'cancelled') return 0
  // @ts-expect-error createDatabase takes a name
  await db.createDatabase()
  return count + pending.length + skipped + (wrong ? 1 : 0)
}

export async function buildingBlocks(): Promise<boolean> {
  const secrets = new EnhancedSecretManager({ projectRoot: '.', secretKey: 'k' })
  const generated = await secrets.generateDomainSpecificSecrets('shop.example.com', 'staging', { customConfigs: { EXTRA: 32 } })
  const jwt: string = generated.secrets.AUTH_JWT_SECRET
  const length: number = SECRET_CONFIGS.AUTH_JWT_SECRET.length
  const report = await new DeploymentValidator({ level: 'comprehensive' }).validate('.', { environment: 'staging' })
  const failing = report.checks.filter((c) => c.status === 'fail')
  // @ts-expect-error levels are a closed set
  new DeploymentValidator({ level: 'thorough' })
  const live = await new ProductionTester().runProductionTests('https://shop.example.com', { endpoints: ['/api'] })
  const p95: number | null = live.latency.p95
  const audit = await new DeploymentAuditor({ servicePath: '.' }).getAuditReport({ domain: 'shop.example.com' })
  const config = new WranglerConfigManager({ projectRoot: '.' })
  const records = new UnifiedConfigManager({ projectRoot: '.' })
  return jwt.length === length && failing.length === 0 && p95 !== 0 && audit.summary.failed === 0 && !!config && !!records && errorCodes().length > 0
}

export async function portfolios(): Promise<number> {
  const o = new MultiDomainOrchestrator({ domains: ['shop.example.com'], cloudflareSettings: { token: 't', accountId: 'a' }, rollbackEnabled: true })
  const canary = await o.deploy('shop.example.com', { canary: { percent: 10, healthGate: { path: '/health' } } })
  const rolledBack: boolean | undefined = canary.rollback?.databaseRestored ?? undefined
  // @ts-expect-error a canary needs its percent
  await o.deploy('shop.example.com', { canary: {} })
  const phase = await o.setupDomainDatabase('shop.example.com')
  const once = await MultiDomainOrchestrator.deploy({ domain: 'shop.example.com', credentials: { token: 't', accountId: 'a' } })
  const plan = o.getRollbackPlan()
  const back = await o.executeRollback({ restoreDatabase: true })
  const waves = await new CrossDomainCoordinator({ rollbackThreshold: 0.5 }).coordinateMultiDomainDeployment(['a.example.com'])
  const manager = new RollbackManager({ environment: 'staging' })
  const points = await manager.createRollbackPlan(['shop.example.com', { workerName: 'api', database: 'api-db' }])
  const done = await manager.executeRollback(points, { restoreDatabase: true })
  // @ts-expect-error statuses are a closed set
  const status: 'done' = phase.status
  return (rolledBack ? 1 : 0) + once.deployedDomains.length + plan.length + back.rolledBack + waves.rolledBack.length + done.completedActions + (status ? 1 : 0)
}

// The drop-in names: each subpath's types compile, and stay precise.
import { CustomerConfigurationManager, validateDomainConfig, FEATURES } from '../../js/config'
import { ConfigurationValidator, SecurityCLI, INSECURE_PATTERNS } from '../../js/security'
import { checkDeploymentReadiness } from '../../js/security-cli'
import { CloudflareAPI, createDatabase, listSecrets } from '../../js/utils-cloudflare'
import { DeploymentCredentialCollector, askChoice } from '../../js/utils-deployment'
import { PortfolioOrchestrator, UnifiedDeploymentOrchestrator } from '../../js/deployment'
import { createService, Clodo, OutputFormatter, classifyError } from '../../js/root'

export async function dropIn(): Promise<number> {
  const customers = new CustomerConfigurationManager({ configDir: 'config' })
  const made = await customers.createCustomer('acme', 'acme.example.com')
  const status: 'created' | 'exists' | 'no-template' = made.files.production.status
  validateDomainConfig(customers.createCustomerDomainConfig('acme', null))
  const issues = ConfigurationValidator.validate({ API_KEY: 'dev-key' }, 'production')
  // @ts-expect-error severities are a closed set
  const severity: 'low' = issues[0].severity
  const ready = checkDeploymentReadiness('acme', 'production')
  const cli = await new SecurityCLI().validateConfiguration('acme', 'production')
  const id: string = await createDatabase('acme-db', { apiToken: 't', accountId: 'a' })
  const names: string[] = await listSecrets('production', { scriptName: 'acme' })
  const zones = await new CloudflareAPI('t').listZones({ name: 'example.com' })
  const credentials = await new DeploymentCredentialCollector({ quiet: true }).collectCredentials()
  const choice: number = await askChoice('Pick', ['a'])
  const portfolio = await new PortfolioOrchestrator({ config: { domains: ['a.example.com'], environment: 'staging' } }).execute()
  const unified = new UnifiedDeploymentOrchestrator({ deploymentMode: 'portfolio' }).setDeploymentMode('portfolio')
  const created = await createService({ name: 'acme', domain: 'acme.example.com' })
  const kind = classifyError(new Error('token expired'))
  new OutputFormatter({ json: true }).success('done')
  return status.length + (ready.ready ? 1 : 0) + (cli.success ? 1 : 0) + id.length + names.length + zones.length + credentials.token.length + choice + portfolio.stats.completed + unified.getEnabledCapabilities().length + (created.success ? 1 : 0) + kind.length + Clodo.getInfo().name.length + INSECURE_PATTERNS.WEAK_JWT_PATTERNS.length + Object.keys(FEATURES).length + (severity ? 1 : 0)
}
