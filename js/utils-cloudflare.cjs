// clodo/utils/cloudflare mirrors @tamyla/clodo-framework's subpath: the
// CloudflareAPI class and the one-call operations, which the original ran as
// shell strings with tokens and secret values in them. Here they run on
// Cloudflare's API when a token and account are at hand, else on wrangler
// with argv (secret values on stdin). `options` of every operation:
// { apiToken, accountId, scriptName, servicePath, configPath, wranglerPath }.
'use strict'

const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const native = require('./native.cjs')

const { CloudflareAPI, DomainDiscovery, DatabaseOrchestrator } = native

function coded(message, code) {
  return Object.assign(new Error(message), { code })
}

/** One line per zone for a prompt: status mark, name, plan, account. */
function formatZonesForDisplay(zones) {
  return zones.map((zone) => {
    const mark = zone.status === 'active' ? '✅' : '⚠️'
    const plan = zone.planName === 'Free' ? '(Free)' : `(${zone.planName})`
    return `${mark} ${zone.name} ${plan} - Account: ${zone.accountName}`
  })
}

/** The index of a 1-based choice among `zones`, or -1. */
function parseZoneSelection(selection, zones) {
  const index = Number.parseInt(selection, 10) - 1
  return Number.isInteger(index) && index >= 0 && index < zones.length ? index : -1
}

/** The token to use: given, else CLOUDFLARE_API_TOKEN, else the one clodo keeps for the account (`clodo login`, storeCloudflareToken). */
async function tokenFrom(options = {}) {
  if (options.apiToken) return options.apiToken
  if (process.env.CLOUDFLARE_API_TOKEN) return process.env.CLOUDFLARE_API_TOKEN
  return (await native.storedCloudflareToken(accountOf(options)))?.token ?? null
}

/** The account a token may belong to: tokens an account owns verify only there. */
const accountOf = (options = {}) => options.accountId ?? process.env.CLOUDFLARE_ACCOUNT_ID

/** Whether a token (given, the environment's, or the stored one) is one Cloudflare accepts. */
async function checkAuth(options = {}) {
  const token = await tokenFrom(options)
  if (!token) return false
  const verified = await new CloudflareAPI(token).verifyToken(accountOf(options))
  return verified.valid === true
}

/**
 * Makes sure clodo has a token Cloudflare accepts: the environment's or the stored one, else one asked for on
 * this terminal (hidden), verified and kept in the OS keychain (else clodo's encrypted store). Without a terminal
 * it refuses: set CLOUDFLARE_API_TOKEN, or run `clodo login --token-stdin`.
 */
async function authenticate(options = {}) {
  if (await checkAuth(options)) return true
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw coded('No Cloudflare API token Cloudflare accepts, and no terminal to ask for one: set CLOUDFLARE_API_TOKEN, or run `clodo login --token-stdin`', 'E_NOT_INTERACTIVE')
  }
  const { askSecret, closePrompts } = require('./prompts.cjs')
  try {
    const token = await askSecret('Cloudflare API token')
    const kept = await native.keepCloudflareToken(token.trim(), accountOf(options))
    console.log(`Authentication successful: the token of account ${kept.accountId} is kept.`)
    return true
  } finally {
    closePrompts()
  }
}

/**
 * Verifies the token with Cloudflare, then keeps it for its account in the OS keychain (else clodo's encrypted
 * store, key `CLODO_SECRET_KEY`); resolves to its fingerprint. The token itself is never printed.
 */
async function storeCloudflareToken(token, metadata = {}) {
  await native.keepCloudflareToken(token, accountOf(metadata))
  const fingerprint = require('node:crypto').createHash('sha256').update(token).digest('hex').slice(0, 16)
  console.log(`Cloudflare API token stored securely with fingerprint: ${fingerprint}`)
  return fingerprint
}

/** A token Cloudflare accepts: CLOUDFLARE_API_TOKEN, else the stored one. */
async function getCloudflareToken(_requiredPermissions = ['api_access'], options = {}) {
  const token = await tokenFrom(options)
  if (token && (await new CloudflareAPI(token).verifyToken(accountOf(options))).valid) return token
  throw coded('No valid Cloudflare API token found with required permissions', 'E_AUTH')
}

const listWorkers = (options = {}) => native.cloudflareListWorkers(options)

/** Whether the account has a worker of that name (a failed lookup rejects; it is not "no"). */
async function workerExists(workerName, options = {}) {
  return (await listWorkers(options)).some((worker) => worker.name === workerName)
}

/** Builds and deploys the service with `wrangler deploy --env <env>` (the original ran `npm run deploy:<env>`). */
const deployWorker = (env = 'production', options = {}) => native.cloudflareDeployWorker(env, options)
const deploySecret = (key, value, env = 'production', options = {}) => native.cloudflarePutSecret(key, value, env, options)
const deleteSecret = (key, env = 'production', options = {}) => native.cloudflareDeleteSecret(key, env, options)
/** The worker's secret names (the original returned wrangler's printed table). */
const listSecrets = (env = 'production', options = {}) => native.cloudflareListSecrets(env, options)
const listDatabases = (options = {}) => native.cloudflareListDatabases(options)
const databaseExists = async (databaseName, options = {}) => (await native.cloudflareDatabaseId(databaseName, options)) !== null
const createDatabase = (name, options = {}) => native.cloudflareCreateDatabase(name, options)
const deleteDatabase = (name, options = {}) => native.cloudflareDeleteDatabase(name, options)
const getDatabaseId = (databaseName, options = {}) => native.cloudflareDatabaseId(databaseName, options)

/**
 * Applies the database's pending migrations with clodo's DatabaseOrchestrator:
 * remote when a token is at hand (as the original, which always used --remote),
 * else local; `options.remote` decides explicitly. Resolves to true; a failed
 * migration rejects with its typed error (the original resolved to false).
 */
async function runMigrations(databaseName, env = 'production', options = {}) {
  const remote = options.remote ?? Boolean(options.apiToken || process.env.CLOUDFLARE_API_TOKEN)
  const orchestrator = new DatabaseOrchestrator({
    projectRoot: options.servicePath,
    configPath: options.configPath,
    wranglerPath: options.wranglerPath,
    cloudflareToken: options.apiToken,
    cloudflareAccountId: options.accountId,
  })
  await orchestrator.applyDatabaseMigrations(databaseName, null, env, remote)
  return true
}

/** The rows of each statement (local unless `options.remote`). */
async function executeSql(databaseName, sql, env = 'production', options = {}) {
  const statements = await native.cloudflareExecuteSql(databaseName, sql, env, options)
  return statements.flatMap((statement) => statement.results ?? [])
}

const exec = promisify(execFile)

async function versionOf(command, args) {
  const { stdout } = await exec(command, args, { timeout: 10000, shell: process.platform === 'win32' })
  return stdout.trim()
}

/**
 * Node, npm and wrangler (and, when asked, authentication and the network):
 * `[{ name, required, description, status: 'ok' | 'warning' | 'failed' | 'skipped', version?, error? }]`.
 */
async function validatePrerequisites(options = {}) {
  const checks = []
  const record = async (check, probe) => {
    try {
      checks.push({ ...check, ...(await probe()) })
    } catch (error) {
      checks.push({ ...check, status: 'failed', error: error.message })
    }
  }
  await record({ name: 'Node.js', required: true, description: 'Runs clodo and the build', minVersion: '18.0.0' }, async () => {
    const major = Number(process.versions.node.split('.')[0])
    return major >= 18 ? { status: 'ok', version: process.version } : { status: 'warning', version: process.version, warning: `Node.js 18.0.0+ recommended, found ${process.version}` }
  })
  await record({ name: 'NPM', required: true, description: 'Installs packages and runs scripts', minVersion: '8.0.0' }, async () => ({ status: 'ok', version: await versionOf('npm', ['--version']) }))
  await record({ name: 'Wrangler', required: true, description: 'Bundles and uploads workers, runs D1 locally', minVersion: '4.0.0' }, async () => {
    const { wrangler } = await new DatabaseOrchestrator({ projectRoot: options.servicePath, dryRun: true, wranglerPath: options.wranglerPath }).initialize()
    return { status: 'ok', version: wrangler.version, path: wrangler.path }
  })
  if (options.checkAuth) {
    await record({ name: 'Cloudflare Auth', required: false, description: 'A Cloudflare API token Cloudflare accepts' }, async () =>
      (await checkAuth(options)) ? { status: 'ok', version: 'token verified' } : { status: 'failed', error: 'no token, or Cloudflare refuses it: set CLOUDFLARE_API_TOKEN' },
    )
  }
  if (options.checkNetwork) {
    await record({ name: 'Network', required: false, description: "Cloudflare's API answers" }, async () => {
      const base = process.env.CLOUDFLARE_API_BASE_URL || 'https://api.cloudflare.com/client/v4'
      const response = await fetch(`${base}/user/tokens/verify`, { signal: AbortSignal.timeout(5000) })
      await response.arrayBuffer()
      return { status: 'ok', version: `Connected (${response.status})` }
    })
  }
  return checks
}

module.exports = {
  CloudflareAPI,
  formatZonesForDisplay,
  parseZoneSelection,
  checkAuth,
  authenticate,
  storeCloudflareToken,
  getCloudflareToken,
  listWorkers,
  workerExists,
  deployWorker,
  deploySecret,
  deleteSecret,
  listSecrets,
  listDatabases,
  databaseExists,
  createDatabase,
  deleteDatabase,
  runMigrations,
  executeSql,
  getDatabaseId,
  validatePrerequisites,
  // clodo's own: zones through the API.
  DomainDiscovery,
}
