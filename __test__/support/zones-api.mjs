// The zones part of the Cloudflare API stand-in (tests only): zones listed with
// their filters and pages, one zone by id, and zone routes.
import { createHash, randomUUID } from 'node:crypto'
import { pageOf } from './paging.mjs'

/** `zones`: names (of this account, active) or `{ name, account, status }`;
 * without it, any registrable name (two labels, like example.com) is a zone
 * of the account when asked for by name. */
export function zonesApi({ accountId, zones, ok, fail }) {
  const seen = new Map() // id -> every zone handed out, for GET /zones/<id>
  const zoneOf = (z) => {
    const { name, account = accountId, status = 'active' } = typeof z === 'string' ? { name: z } : z
    const zone = { id: createHash('md5').update(`${account}/${name}`).digest('hex'), name, status, account: { id: account, name: account === accountId ? 'Test account' : 'Another account' } }
    seen.set(zone.id, zone)
    return zone
  }
  const configured = () => (zones ?? []).map(zoneOf)
  const known = (name) => (zones ? configured().filter((z) => z.name === name) : name.split('.').length === 2 ? [zoneOf(name)] : [])
  const routes = []

  /** The account's active zone serving `host` (itself or a parent name), if any. */
  function zoneServing(host) {
    const labels = host.split('.')
    for (let i = 0; i < labels.length - 1; i++) {
      const zone = known(labels.slice(i).join('.')).find((z) => z.account.id === accountId && z.status === 'active')
      if (zone) return zone
    }
    return undefined
  }

  /** Answers a /zones request, or returns false when it is not one. */
  function handle(req, res, url, body) {
    if (url.pathname === '/client/v4/zones' && req.method === 'GET') {
      // Filters `name`, `status` and `account.id`; pages of 5..50, default 20 (Cloudflare's API reference, "List Zones").
      const name = url.searchParams.get('name')
      const status = url.searchParams.get('status')
      const account = url.searchParams.get('account.id')
      const candidates = name === null ? configured() : known(name)
      const matching = candidates.filter((z) => (status === null || z.status === status) && (account === null || z.account.id === account))
      const page = pageOf(matching, url.searchParams, { min: 5, max: 50, fallback: 20 })
      return page.error ? fail(res, 400, 1001, page.error) : ok(res, page.result, { result_info: page.result_info })
    }
    const byId = url.pathname.match(/^\/client\/v4\/zones\/([0-9a-f]{32})$/)
    if (byId && req.method === 'GET') {
      configured()
      const zone = seen.get(byId[1])
      return zone ? ok(res, zone) : fail(res, 404, 1001, 'Invalid zone identifier')
    }
    // Zone routes (pattern -> worker); custom domains are not among them.
    const zoneRoutes = url.pathname.match(/^\/client\/v4\/zones\/([0-9a-f]+)\/workers\/routes$/)
    if (zoneRoutes && req.method === 'GET') return ok(res, routes.filter((r) => r.zone === zoneRoutes[1]).map(({ id, pattern, script }) => ({ id, pattern, script })))
    if (zoneRoutes && req.method === 'POST') {
      const { pattern, script } = JSON.parse(body)
      const route = { id: randomUUID(), zone: zoneRoutes[1], pattern, script }
      routes.push(route)
      return ok(res, { id: route.id, pattern, script })
    }
    if (url.pathname.startsWith('/client/v4/zones')) return fail(res, 404, 7003, `No route for ${req.method} ${url.pathname}`)
    return false
  }

  return { handle, zoneServing }
}
