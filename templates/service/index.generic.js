// {{name}}: a {{type}} service created by clodo. Each domain gets its own
// worker with vars DOMAIN, ENVIRONMENT, SERVICE_NAME and DATABASE_NAME.
import { initializeService, checkDatabase } from 'clodo/worker'
import domains from './config/domains.js'

export default {
  async fetch(request, env) {
    const service = initializeService(env, domains)
    const { pathname } = new URL(request.url)
    if (pathname === '/health') {
      // Up means up; whether its database is migrated is reported beside it.
      const database = { name: env.DATABASE_NAME, ...(await checkDatabase(env.DB, 'events')) }
      return Response.json({ status: 'ok', service: '{{name}}', domain: env.DOMAIN, environment: service.environment, database })
    }
    if (pathname === '/events' && request.method === 'POST') {
      const { kind = 'ping' } = await request.json().catch(() => ({}))
      await env.DB.prepare('INSERT INTO events (kind) VALUES (?)').bind(String(kind)).run()
      return Response.json({ recorded: kind }, { status: 201 })
    }
    return Response.json({ service: '{{name}}', domain: service.domain, features: service.features })
  },
}
