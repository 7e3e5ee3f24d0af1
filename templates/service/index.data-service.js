// {{name}}: a data service created by clodo: items in the domain's own D1
// database. Each domain gets its own worker with vars DOMAIN, ENVIRONMENT,
// SERVICE_NAME and DATABASE_NAME.
import { initializeService, createFeatureGuard, checkDatabase } from 'clodo/worker'
import domains from './config/domains.js'

const search = createFeatureGuard('SEARCH')(async (request, env) => {
  const q = new URL(request.url).searchParams.get('q') ?? ''
  const { results } = await env.DB.prepare('SELECT id, name FROM items WHERE name LIKE ? ORDER BY id').bind(`%${q}%`).all()
  return Response.json(results)
})

export default {
  async fetch(request, env, ctx) {
    const service = initializeService(env, domains)
    const { pathname } = new URL(request.url)
    if (pathname === '/health') {
      // Up means up; whether its database is migrated is reported beside it.
      const database = { name: env.DATABASE_NAME, ...(await checkDatabase(env.DB, 'items')) }
      return Response.json({ status: 'ok', service: '{{name}}', domain: env.DOMAIN, environment: service.environment, database })
    }
    if (pathname === '/items' && request.method === 'POST') {
      const { name } = await request.json().catch(() => ({}))
      if (typeof name !== 'string' || name === '') return Response.json({ error: 'name is required' }, { status: 400 })
      const row = await env.DB.prepare('INSERT INTO items (name) VALUES (?) RETURNING id, name').bind(name).first()
      return Response.json(row, { status: 201 })
    }
    if (pathname === '/items') {
      const { results } = await env.DB.prepare('SELECT id, name FROM items ORDER BY id').all()
      return Response.json(results)
    }
    if (pathname === '/search') return search(request, env, ctx)
    return Response.json({ error: 'not found' }, { status: 404 })
  },
}
