// The original's DeploymentCredentialCollector: token, account and zone from
// the options or the environment; what is missing is asked on a terminal (the
// token hidden) and looked up with the token through Cloudflare's API. It
// throws typed errors where the original exited the process, and never
// writes the token anywhere.
'use strict'

const { CloudflareAPI } = require('./native.cjs')
const { askChoice, askSecret, closePrompts } = require('./prompts.cjs')
const { validatePrerequisites } = require('./utils-cloudflare.cjs')

const ENV = { token: 'CLOUDFLARE_API_TOKEN', accountId: 'CLOUDFLARE_ACCOUNT_ID', zoneId: 'CLOUDFLARE_ZONE_ID' }

function coded(message, code) {
  return Object.assign(new Error(message), { code })
}

class DeploymentCredentialCollector {
  constructor(options = {}) {
    this.servicePath = options.servicePath ?? '.'
    this.quiet = options.quiet ?? false
  }

  say(line) {
    if (!this.quiet) console.log(line)
  }

  /** `{ token, accountId, accountName, zoneId, zoneName, cloudflareSettings }`, or the three given ones when all are. */
  async collectCredentials(options = {}) {
    if (!this.quiet) await this.displayPrerequisites(options)
    const given = {
      token: options.token ?? process.env[ENV.token] ?? null,
      accountId: options.accountId ?? process.env[ENV.accountId] ?? null,
      zoneId: options.zoneId ?? process.env[ENV.zoneId] ?? null,
      zoneName: null,
    }
    if (!this.quiet) this.displayCredentialStatus(given, options)
    if (given.token && given.accountId && given.zoneId) return given

    const token = given.token ?? (await this.promptForToken())
    const api = new CloudflareAPI(token)
    const verified = await api.verifyToken(given.accountId ?? undefined)
    if (!verified.valid) throw coded(`Invalid Cloudflare API token: ${verified.error}`, 'E_AUTH')
    this.say('API token verified')
    const account = given.accountId ? { id: given.accountId, name: undefined } : await this.fetchAccountId(api)
    const zone = given.zoneId ? { id: given.zoneId, name: null } : await this.fetchZoneId(api)
    const settings = { token, accountId: account.id, accountName: account.name, zoneId: zone.id, zoneName: zone.name }
    return { ...settings, cloudflareSettings: { ...settings } }
  }

  async promptForToken() {
    this.say('A Cloudflare API token (https://dash.cloudflare.com/profile/api-tokens, template "Edit Cloudflare Workers") is needed.')
    const token = await askSecret('Enter your Cloudflare API token')
    if (!token) throw coded('API token is required', 'E_AUTH')
    return token
  }

  /** The token's account: the only one, or the one chosen on the terminal. */
  async fetchAccountId(api) {
    const accounts = (await api.request('/accounts?per_page=50')).result ?? []
    if (accounts.length === 0) throw coded('No Cloudflare accounts found for this token', 'E_NOT_FOUND')
    const index = accounts.length === 1 ? 0 : await askChoice('Select account:', accounts.map((a) => `${a.name} (${a.id})`), 0)
    this.say(`Account: ${accounts[index].name}`)
    return { id: accounts[index].id, name: accounts[index].name }
  }

  /** The zone to deploy to: the only one, or the one chosen on the terminal. */
  async fetchZoneId(api) {
    const zones = await api.listZones()
    if (zones.length === 0) throw coded('No Cloudflare domains found: add a domain to your Cloudflare account first', 'E_NOT_FOUND')
    const index = zones.length === 1 ? 0 : await askChoice('Select domain for deployment:', zones.map((z) => `${z.name} (Status: ${z.status})`), 0)
    this.say(`Domain: ${zones[index].name}`)
    return { id: zones[index].id, name: zones[index].name }
  }

  cleanup() {
    closePrompts()
  }

  async displayPrerequisites(options = {}) {
    const results = await validatePrerequisites({ checkAuth: options.checkAuth, checkNetwork: options.checkNetwork, servicePath: this.servicePath })
    for (const r of results) {
      const mark = { ok: '✅', warning: '⚠️', failed: '❌' }[r.status] ?? '⏭️'
      this.say(`${mark} ${r.name}: ${r.version ?? r.error ?? 'N/A'}`)
    }
    return results
  }

  /** Which credentials are there and where each came from (never their values). */
  displayCredentialStatus(credentials, options = {}) {
    const labels = { token: 'API Token', accountId: 'Account ID', zoneId: 'Zone ID' }
    for (const [key, label] of Object.entries(labels)) {
      const source = this.getCredentialSource(key, credentials[key], options[key])
      this.say(credentials[key] ? `✅ ${label}: ${source}` : `❌ ${label}: Missing (set --${key.replace('Id', '-id')} or ${ENV[key]})`)
    }
  }

  getCredentialSource(key, value, flagValue) {
    if (!value) return 'Not set'
    if (flagValue) return 'CLI flag'
    return process.env[ENV[key]] ? 'Environment variable' : 'Unknown source'
  }
}

module.exports = { DeploymentCredentialCollector }
