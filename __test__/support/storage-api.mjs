// The stand-in's KV namespaces, R2 buckets and queues (tests only): list,
// create, look up, and queue consumers as `wrangler deploy` sets them.
// Shapes from the types of Cloudflare's TypeScript SDK 5.2.0 and wrangler
// 4.86's source (kv, r2 and queues clients):
// - KV: GET/POST /storage/kv/namespaces, `{ id, title }`, paged by number (the bounds are not published: 1–1000
//   here; wrangler 1 asked for 1000). A title taken is refused with 400 and code 10014, as wrangler's own tests
//   mock Cloudflare's answer.
// - R2: GET/POST /r2/buckets (`{ buckets }`, cursor paging, `name_contains`), GET /r2/buckets/<name> (404 when
//   missing); a name taken is a 409. Those codes (10006, 10004 here) could not be learned; clodo goes by the
//   status. Bucket names are 3–63 lowercase letters, digits and `-` (R2's documented rule).
// - Queues: GET /queues (`name` filters, repeatable, as wrangler asks), POST `{ queue_name }`, GET /queues/<id>
//   with its consumers, POST /queues/<id>/consumers and PUT /queues/<id>/consumers/<consumer id>. A name taken
//   is refused (code 11009, message ours); a second worker consuming a queue too (code 11004, message ours).
import { randomBytes, randomUUID } from 'node:crypto'
import { pageOf } from './paging.mjs'

export function storageApi({ accountId, ok, fail }) {
  const namespaces = new Map() // id -> { id, title }
  const buckets = new Map() // name -> { name, creation_date, location, jurisdiction }
  const queues = new Map() // queue_id -> { queue_id, queue_name, created_on, consumers: [] }
  const queueNamed = (name) => [...queues.values()].find((q) => q.queue_name === name)

  /** A binding of an upload that names storage the account does not have, as words; else undefined. */
  function refusedBinding(bindings) {
    for (const b of bindings ?? []) {
      if (b.type === 'kv_namespace' && !namespaces.has(b.namespace_id)) return `binding ${b.name} refers to KV namespace ${b.namespace_id}, which does not exist on this account`
      if (b.type === 'r2_bucket' && !buckets.has(b.bucket_name)) return `binding ${b.name} refers to R2 bucket ${b.bucket_name}, which does not exist on this account`
      if (b.type === 'queue' && !queueNamed(b.queue_name)) return `binding ${b.name} refers to queue ${b.queue_name}, which does not exist on this account`
    }
    return undefined
  }

  function handle(req, res, url, body) {
    const prefix = `/client/v4/accounts/${accountId}`
    if (!url.pathname.startsWith(`${prefix}/`)) return false
    const path = url.pathname.slice(prefix.length)
    const json = () => JSON.parse(body || '{}')

    if (path === '/storage/kv/namespaces' && req.method === 'GET') {
      const page = pageOf([...namespaces.values()], url.searchParams, { min: 1, max: 1000, fallback: 20 })
      return page.error ? fail(res, 400, 10001, page.error) : ok(res, page.result, { result_info: page.result_info })
    }
    if (path === '/storage/kv/namespaces' && req.method === 'POST') {
      const { title } = json()
      if (typeof title !== 'string' || title === '' || title.length > 512) return fail(res, 400, 10019, 'title must be 1 to 512 characters')
      if ([...namespaces.values()].some((n) => n.title === title)) return fail(res, 400, 10014, `a namespace with title ${title} already exists`)
      const namespace = { id: randomBytes(16).toString('hex'), title, supports_url_encoding: true }
      namespaces.set(namespace.id, namespace)
      return ok(res, namespace)
    }

    if (path === '/r2/buckets' && req.method === 'GET') {
      const contains = url.searchParams.get('name_contains') ?? ''
      return ok(res, { buckets: [...buckets.values()].filter((b) => b.name.includes(contains)) }, { result_info: { cursor: '', per_page: 20 } })
    }
    if (path === '/r2/buckets' && req.method === 'POST') {
      const { name } = json()
      if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name ?? '')) return fail(res, 400, 10005, `The specified bucket name is not valid: ${name}`)
      if (buckets.has(name)) return fail(res, 409, 10004, 'The bucket you tried to create already exists, and you own it.')
      const bucket = { name, creation_date: new Date().toISOString(), location: 'ENAM', jurisdiction: req.headers['cf-r2-jurisdiction'] ?? 'default' }
      buckets.set(name, bucket)
      return ok(res, bucket)
    }
    const bucket = path.match(/^\/r2\/buckets\/([^/]+)$/)
    if (bucket && req.method === 'GET') {
      const found = buckets.get(decodeURIComponent(bucket[1]))
      return found ? ok(res, found) : fail(res, 404, 10006, 'The specified bucket does not exist.')
    }

    if (path === '/queues' && req.method === 'GET') {
      const names = url.searchParams.getAll('name')
      const listed = [...queues.values()].filter((q) => names.length === 0 || names.includes(q.queue_name))
      return ok(res, listed, { result_info: { page: 1, per_page: listed.length, count: listed.length, total_count: listed.length, total_pages: 1 } })
    }
    if (path === '/queues' && req.method === 'POST') {
      const { queue_name: name } = json()
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name ?? '')) return fail(res, 400, 11003, `queue name ${name} is not valid`)
      if (queueNamed(name)) return fail(res, 400, 11009, `a queue named ${name} already exists`)
      const now = new Date().toISOString()
      const queue = { queue_id: randomBytes(16).toString('hex'), queue_name: name, created_on: now, modified_on: now, producers: [], consumers: [] }
      queues.set(queue.queue_id, queue)
      return ok(res, queue)
    }
    const queue = path.match(/^\/queues\/([0-9a-f]{32})(\/consumers(?:\/([^/]+))?)?$/)
    if (queue) {
      const found = queues.get(queue[1])
      if (!found) return fail(res, 404, 11000, `queue ${queue[1]} does not exist`)
      if (!queue[2] && req.method === 'GET') return ok(res, found)
      const consumer = { ...json(), consumer_id: queue[3] ?? randomUUID().replaceAll('-', ''), created_on: new Date().toISOString() }
      const others = found.consumers.filter((c) => c.consumer_id !== consumer.consumer_id)
      if (others.some((c) => c.script !== consumer.script_name && c.script !== consumer.script)) return fail(res, 400, 11004, `queue ${found.queue_name} already has a consumer`)
      if (queue[2] && (req.method === 'POST' || (req.method === 'PUT' && queue[3]))) {
        found.consumers = [...others, { ...consumer, script: consumer.script_name ?? consumer.script }]
        return ok(res, consumer)
      }
    }
    return false
  }

  return { handle, refusedBinding, namespaces, buckets, queues }
}
