// {{name}}: an API gateway created by clodo: /api/* goes to UPSTREAM_URL,
// each request logged in the domain's own D1 database. Each domain gets its
// own worker with vars DOMAIN, ENVIRONMENT, SERVICE_NAME and DATABASE_NAME.
import { initializeService, checkDatabase } from 'clodo/worker'
import domains from './config/domains.js'

export default {
  async fetch(request, env, ctx) {
    const service = initializeService(env, domains)
    const url = new URL(request.url)
    if (url.pathname === '/health') {
      // Up means up; whether its database is migrated is reported beside it.
      const database = { name: env.DATABASE_NAME, ...(await checkDatabase(env.DB, 'requests')) }
      return Response.json({ status: 'ok', service: '{{name}}', domain: env.DOMAIN, environment: service.environment, database })
    }
    if (!url.pathname.startsWith('/api/')) return Response.json({ error: 'not found' }, { status: 404 })
    if (!env.UPSTREAM_URL) return Response.json({ error: 'UPSTREAM_URL is not set for this domain' }, { status: 502 })
    const upstream = new URL(url.pathname.slice('/api'.length) + url.search, env.UPSTREAM_URL)
    const response = await fetch(new Request(upstream, request))
    ctx.waitUntil(env.DB.prepare('INSERT INTO requests (path, status) VALUES (?, ?)').bind(url.pathname, response.status).run())
    return response
  },
}
