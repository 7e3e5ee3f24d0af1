// {{name}}: a static site created by clodo: files from public/, page views
// counted in the domain's own D1 database. Each domain gets its own worker
// with vars DOMAIN, ENVIRONMENT, SERVICE_NAME and DATABASE_NAME.
import { initializeService, checkDatabase } from 'clodo/worker'
import domains from './config/domains.js'

export default {
  async fetch(request, env, ctx) {
    const service = initializeService(env, domains)
    const { pathname } = new URL(request.url)
    if (pathname === '/health') {
      // Up means up; whether its database is migrated is reported beside it.
      const database = { name: env.DATABASE_NAME, ...(await checkDatabase(env.DB, 'page_views')) }
      return Response.json({ status: 'ok', service: '{{name}}', domain: env.DOMAIN, environment: service.environment, database })
    }
    const response = await env.ASSETS.fetch(request)
    if (response.ok) ctx.waitUntil(env.DB.prepare('INSERT INTO page_views (path) VALUES (?)').bind(pathname).run())
    return response
  },
}
