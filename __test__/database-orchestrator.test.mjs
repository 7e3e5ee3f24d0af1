// DatabaseOrchestrator against the real wrangler in local mode (local D1),
// and against a stand-in for Cloudflare's API for the remote paths.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync, readFileSync, existsSync, chmodSync, readdirSync, renameSync } from 'node:fs'
import { basename, join } from 'node:path'
import { clodo, project, read, rejection, root, require } from './helpers.mjs'

const { DatabaseOrchestrator } = clodo
const wranglerPath = join(root, 'node_modules', '.bin', 'wrangler')

const CONFIG = `name = "shop"
main = "src/index.js"
compatibility_date = "2025-01-01"

# local development database
[[d1_databases]]
binding = "DB"
database_name = "shop-dev"
database_id = "shop-dev"

[env.staging]
[[env.staging.d1_databases]]
binding = "DB"
database_name = "shop-staging"
database_id = "shop-staging"
`

/** A service folder with a wrangler.toml and numbered migrations. */
function service(migrations = {}, config = CONFIG) {
  const dir = project({ 'wrangler.toml': config })
  mkdirSync(join(dir, 'migrations'))
  for (const [name, sql] of Object.entries(migrations)) writeFileSync(join(dir, 'migrations', name), sql)
  return dir
}

const USERS = {
  '0001_users.sql': 'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, last_cleanup TEXT);\n',
  '0002_seed.sql': "INSERT INTO users(name) VALUES ('ada'), ('semi;colon'), ('multi\nline');\n",
}

const audit = (dir) =>
  existsSync(join(dir, 'logs', 'database-audit.log'))
    ? read(join(dir, 'logs', 'database-audit.log')).trim().split('\n').map((l) => JSON.parse(l))
    : []

const local = (dir, options = {}) =>
  new DatabaseOrchestrator({ projectRoot: dir, wranglerPath, environments: { staging: { isRemote: false } }, ...options })

test('the constructor has no side effects and both module systems export the class', () => {
  const dir = service()
  const before = readdirSync(dir).sort()
  const orchestrator = new DatabaseOrchestrator({ projectRoot: dir, dryRun: true })
  assert.deepEqual(readdirSync(dir).sort(), before)
  assert.equal(orchestrator.projectRoot, dir)
  assert.equal(orchestrator.auditLogPath, join(dir, 'logs', 'database-audit.log'))
  assert.equal(require(join(root, 'js', 'database.cjs')).DatabaseOrchestrator, DatabaseOrchestrator)
})

test('local migrations: 2 applied, then 0, then a failing third names its file and keeps the first two', async () => {
  const dir = service(USERS)
  const db = local(dir)
  const first = await db.applyDatabaseMigrations('shop-dev', 'DB', 'development')
  assert.equal(first.status, 'completed')
  assert.equal(first.migrationsApplied, 2)
  assert.deepEqual(first.migrations, ['0001_users.sql', '0002_seed.sql'])
  assert.deepEqual(first.command, ['wrangler', 'd1', 'migrations', 'apply', 'shop-dev', '--local', '--config', join(dir, 'wrangler.toml')])

  const again = await db.applyDatabaseMigrations('shop-dev', 'DB', 'development')
  assert.equal(again.migrationsApplied, 0)

  writeFileSync(join(dir, 'migrations', '0003_broken.sql'), 'INSERT INTO missing_table VALUES (1);\n')
  writeFileSync(join(dir, 'migrations', '0004_later.sql'), 'CREATE TABLE later(id);\n')
  const error = await rejection(db.applyDatabaseMigrations('shop-dev', 'DB', 'development'))
  assert.equal(error.code, 'E_MIGRATION_FAILED')
  assert.match(error.message, /^Migration failed for shop-dev: 0003_broken\.sql failed: .*no such table: missing_table/)
  assert.equal(error.file, join(dir, 'migrations', '0003_broken.sql'))

  const status = await db.getMigrationStatus('shop-dev', 'development')
  assert.deepEqual(status.applied.map((m) => m.name), ['0001_users.sql', '0002_seed.sql'])
  assert.deepEqual(status.pending, ['0003_broken.sql', '0004_later.sql'])

  const events = audit(dir).map((e) => e.event)
  assert.deepEqual(events, ['DATABASE_MIGRATION_APPLIED', 'DATABASE_MIGRATION_APPLIED', 'DATABASE_MIGRATION_FAILED'])
  const failed = audit(dir)[2]
  assert.equal(failed.details.migration, '0003_broken.sql')
  assert.equal(failed.environment, 'development')
  assert.ok(failed.timestamp && failed.user)
})

test('backup, then restore into a fresh database: equal row counts, checked against the manifest', async () => {
  const dir = service(USERS)
  const db = local(dir)
  await db.applyDatabaseMigrations('shop-dev', 'DB', 'development')
  const backupDir = join(dir, 'backups', 'manual')
  const backup = await db.createDatabaseBackup('shop-dev', 'development', backupDir)
  assert.equal(backup.status, 'completed')
  assert.deepEqual(backup.tables, { d1_migrations: 2, users: 3 })
  assert.deepEqual(backup.migrations, ['0001_users.sql', '0002_seed.sql'])
  const sql = readFileSync(backup.backupFile)
  assert.equal(backup.sizeBytes, sql.length)
  const manifest = JSON.parse(read(join(backupDir, 'backup-manifest.json')))
  assert.equal(manifest.databases['shop-dev'].sha256, backup.sha256)

  // Staging is a different, empty database; restoring outside development asks first.
  const cancelled = await db.restoreDatabaseBackup(backup.backupFile, { database: 'shop-staging', environment: 'staging' })
  assert.equal(cancelled.status, 'cancelled')
  let asked
  const restored = await db.restoreDatabaseBackup(join(backupDir, 'backup-manifest.json'), {
    database: 'shop-staging',
    environment: 'staging',
    confirm: async (operation) => {
      asked = operation
      return true
    },
  })
  assert.equal(asked.environment, 'staging')
  assert.equal(restored.status, 'completed')
  assert.equal(restored.verified, true)
  assert.deepEqual(restored.tables, { d1_migrations: 2, users: 3 })
  const staging = await db.getMigrationStatus('shop-staging', 'staging')
  assert.deepEqual(staging.applied.map((m) => m.name), ['0001_users.sql', '0002_seed.sql'])

  // A moved backup folder still finds its file and checks it; a bare copy is restored but not called verified.
  const moved = join(dir, 'backups', 'moved')
  renameSync(backupDir, moved)
  const fromMoved = await db.restoreDatabaseBackup(join(moved, 'backup-manifest.json'), { database: 'shop-staging', environment: 'staging', force: true })
  assert.equal(fromMoved.verified, true)
  assert.equal(fromMoved.checksum, 'matched the manifest')
  assert.equal(fromMoved.backupFile, join(moved, basename(backup.backupFile)))
  const bare = join(dir, 'copy.sql')
  writeFileSync(bare, sql)
  const fromCopy = await db.restoreDatabaseBackup(bare, { database: 'shop-staging', environment: 'staging', force: true })
  assert.equal(fromCopy.status, 'completed')
  assert.equal(fromCopy.verified, false)
  assert.match(fromCopy.checksum, /no manifest lists this file/)

  // A backup changed after it was taken is refused before anything runs.
  writeFileSync(join(moved, basename(backup.backupFile)), Buffer.concat([sql, Buffer.from('DELETE FROM users;\n')]))
  const tampered = await rejection(db.restoreDatabaseBackup(join(moved, 'backup-manifest.json'), { database: 'shop-staging', environment: 'staging', force: true }))
  assert.equal(tampered.code, 'E_VERIFY_FAILED')
  assert.match(tampered.message, /does not match its manifest/)
})

test('cleanup deletes only with consent, and only in tables that exist', async () => {
  const dir = service(USERS)
  const db = local(dir)
  await db.applyDatabaseMigrations('shop-dev', 'DB', 'development')
  assert.deepEqual(db.getCleanupCommands('logs-only'), ["DELETE FROM logs WHERE created_at < datetime('now', '-30 days')"])

  const refused = await db.performSafeDataCleanup({ environment: 'development', cleanupType: 'full', confirm: () => false })
  assert.equal(refused.status, 'cancelled')
  assert.match(refused.reason, /full data cleanup in development/)
  const none = await db.performSafeDataCleanup({ environment: 'development', cleanupType: 'full' })
  assert.equal(none.status, 'cancelled')

  const done = await db.performSafeDataCleanup({ environment: 'development', cleanupType: 'full', force: true })
  const op = done.operations['shop-dev']
  assert.equal(op.status, 'completed')
  assert.equal(op.operationsExecuted, 1)
  assert.deepEqual(op.skippedTables, ['logs', 'sessions', 'files', 'user_profiles'])
  const after = await db.createDatabaseBackup('shop-dev', 'development', join(dir, 'after'))
  assert.equal(after.tables.users, 0)
  assert.ok(audit(dir).some((e) => e.event === 'DATA_CLEANUP_COMPLETED'))

  const badType = await rejection(db.performSafeDataCleanup({ cleanupType: 'everything', force: true }))
  assert.equal(badType.code, 'E_INVALID_INPUT')
})

test('two environments with different databases, each migrated once; confirmation gates staging', async () => {
  const dir = service(USERS)
  const db = local(dir)
  const skipped = await db.applyMigrationsAcrossEnvironments({ environments: ['development', 'staging'] })
  assert.equal(skipped.summary.successful, 1)
  assert.equal(skipped.summary.skipped, 1)
  assert.equal(skipped.environments.staging.status, 'cancelled')
  assert.equal(skipped.environments.development.databases['shop-dev'].migrationsApplied, 2)

  const both = await db.applyMigrationsAcrossEnvironments({ environments: ['development', 'staging'], force: true })
  assert.deepEqual(
    { total: both.summary.total, successful: both.summary.successful, failed: both.summary.failed, skipped: both.summary.skipped },
    { total: 2, successful: 2, failed: 0, skipped: 0 },
  )
  assert.equal(both.environments.development.databases['shop-dev'].migrationsApplied, 0)
  assert.equal(both.environments.staging.databases['shop-staging'].migrationsApplied, 2)
  assert.match(both.orchestrationId, /^orchestration-\d{4}-\d\d-\d\dT/)
  assert.ok(audit(dir).some((e) => e.event === 'MIGRATION_ORCHESTRATION_COMPLETED' && e.environment === 'ALL'))
})

test('a dry run writes nothing and shows the pending files and the exact argv', async () => {
  const dir = service(USERS)
  const db = local(dir, { dryRun: true })
  const plan = await db.applyDatabaseMigrations('shop-staging', 'DB', 'staging')
  assert.equal(plan.status, 'dry-run')
  assert.equal(plan.migrationsApplied, 0)
  assert.deepEqual(plan.pending, ['0001_users.sql', '0002_seed.sql'])
  assert.deepEqual(plan.commands, [['wrangler', 'd1', 'migrations', 'apply', 'shop-staging', '--local', '--env', 'staging', '--config', join(dir, 'wrangler.toml')]])
  writeFileSync(join(dir, 'by-hand.sql'), 'CREATE TABLE t(id);\nINSERT INTO t VALUES(1);\n')
  const restore = await db.restoreDatabaseBackup(join(dir, 'by-hand.sql'), { database: 'shop-dev', force: true })
  assert.equal(restore.status, 'dry-run')
  assert.equal(restore.commands[0].includes('--file'), true)
  assert.equal(existsSync(join(dir, 'logs')), false)
  assert.equal(existsSync(join(dir, 'backups')), false)
  assert.equal(existsSync(join(dir, '.clodo')), false)
  const status = await local(dir).getMigrationStatus('shop-staging', 'staging')
  assert.equal(status.applied.length, 0)
})

/** A wrangler stand-in that records every start in `started` and then waits. */
function recordingWrangler(dir, version = '4.86.0') {
  const path = join(dir, 'fake-wrangler')
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo " ⛅️ wrangler ${version}"; exit 0; fi\necho "$@" >> "${join(dir, 'started')}"\nsleep 30\n`)
  chmodSync(path, 0o755)
  return path
}

test('hostile names are refused before any process starts', async () => {
  const dir = service(USERS)
  const db = new DatabaseOrchestrator({ projectRoot: dir, wranglerPath: recordingWrangler(dir) })
  for (const name of ['x; rm -rf /', '$(id)', '../x', 'a\nb', 'a\0b', 'd'.repeat(300)]) {
    for (const call of [
      () => db.applyDatabaseMigrations(name, 'DB', 'development'),
      () => db.getMigrationStatus(name),
      () => db.createDatabase(name),
      () => db.createDatabaseBackup(name, 'development'),
      () => db.applyDatabaseMigrations('shop-dev', 'DB', name),
    ]) {
      const error = await rejection(call())
      assert.equal(error.code, 'E_INVALID_INPUT', `${JSON.stringify(name)}: ${error.message}`)
    }
  }
  assert.equal(existsSync(join(dir, 'started')), false)
})

test('a database the config does not bind is E_NOT_FOUND, naming what is bound', async () => {
  const dir = service(USERS)
  const error = await rejection(local(dir).applyDatabaseMigrations('other-db', 'DB', 'development'))
  assert.equal(error.code, 'E_NOT_FOUND')
  assert.match(error.message, /"other-db" is not bound in the top level of .*wrangler\.toml.*bound there: shop-dev/)
  const env = await rejection(local(dir).applyDatabaseMigrations('shop-dev', 'DB', 'qa'))
  assert.equal(env.code, 'E_INVALID_INPUT')
  assert.match(env.message, /No \[env\.qa\].*environments defined there: staging/)
})

test('wrangler: missing, unsupported, and past its timeout', async () => {
  const dir = service(USERS)
  const missing = await rejection(new DatabaseOrchestrator({ projectRoot: dir, wranglerPath: join(dir, 'nope') }).initialize())
  assert.equal(missing.code, 'E_WRANGLER_NOT_FOUND')
  const old = await rejection(new DatabaseOrchestrator({ projectRoot: dir, wranglerPath: recordingWrangler(dir, '2.20.0') }).initialize())
  assert.equal(old.code, 'E_WRANGLER_UNSUPPORTED')
  assert.match(old.message, /wrangler 2\.20\.0 .* is not supported/)

  const slowDir = service(USERS)
  const slow = new DatabaseOrchestrator({ projectRoot: slowDir, wranglerPath: recordingWrangler(slowDir), executionTimeout: 500, retryAttempts: 1 })
  const started = Date.now()
  const timedOut = await rejection(slow.applyDatabaseMigrations('shop-dev', 'DB', 'development'))
  assert.equal(timedOut.code, 'E_TIMEOUT')
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
})
