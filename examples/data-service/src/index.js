// Answers /health with the domain and database it was deployed for, and how
// many items its own database holds, so a check can tell the domains apart.
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url)
    if (pathname === '/health') {
      const { count } = await env.DB.prepare('SELECT COUNT(*) AS count FROM items').first()
      return Response.json({ status: 'ok', domain: env.DOMAIN, database: env.DATABASE_NAME, items: count })
    }
    if (pathname === '/items') {
      const { results } = await env.DB.prepare('SELECT id, name FROM items ORDER BY id').all()
      return Response.json(results)
    }
    return new Response('not found', { status: 404 })
  },
}
