// Refused credentials are E_AUTH whatever the status Cloudflare answers with,
// and a token an account owns verifies at that account's endpoint.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { rejection } from './helpers.mjs'
import { cloudflareApiForTests } from './support/cloudflare-api.mjs'

const require = createRequire(import.meta.url)
const token = 'auth-user-token-0123456789'
const accountToken = 'auth-account-token-0123456789'
const accountId = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0'
const api = cloudflareApiForTests({ token, accountId, zones: ['example.com'], accountToken })

test('a malformed or missing credential answered with 400 is E_AUTH, not a generic API error', async () => {
  const { CloudflareAPI } = require('clodo/utils/cloudflare')
  for (const [code, message] of [[6003, 'Invalid request headers'], [9106, 'Missing X-Auth-Key, X-Auth-Email or Authorization headers'], [6111, 'Invalid format for Authorization header']]) {
    api.failNext({ method: 'GET', path: /\/zones$/, status: 400, code, message })
    const refused = await rejection(new CloudflareAPI(token).request('/zones'))
    assert.equal(refused.code, 'E_AUTH', `code ${code}`)
    assert.match(refused.message, new RegExp(`answered 400: ${message}`))
  }
  api.failNext({ method: 'GET', path: /\/zones$/, status: 400, code: 7003, message: 'Could not route to /zones, perhaps your object identifier is invalid?' })
  assert.equal((await rejection(new CloudflareAPI(token).request('/zones'))).code, 'E_API', 'other 400s stay API errors')
})

test("a token the account owns verifies at the account's endpoint when the account is known", async () => {
  const cf = require('clodo/utils/cloudflare')
  const userOnly = await new cf.CloudflareAPI(accountToken).verifyToken()
  assert.equal(userOnly.valid, false)
  assert.equal(userOnly.code, 'E_AUTH')
  const verified = await new cf.CloudflareAPI(accountToken).verifyToken(accountId)
  assert.deepEqual(verified, { valid: true, id: 'account-token-id', status: 'active', expiresOn: '2027-01-01T00:00:00Z', notBefore: null })
  assert.equal((await new cf.CloudflareAPI(token).verifyToken(accountId)).valid, true, 'a user token still verifies at the user endpoint')
  assert.equal(await cf.checkAuth({ apiToken: accountToken, accountId }), true)
  assert.equal(await cf.checkAuth({ apiToken: accountToken }), false)
  assert.equal(await cf.getCloudflareToken(['api_access'], { apiToken: accountToken, accountId }), accountToken)
  assert.ok(!api.requests.some((r) => r.path.includes(accountToken)), 'the token never travels in a path')
})
