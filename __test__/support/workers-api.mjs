// The Workers part of the Cloudflare API stand-in (tests only): scripts,
// versions, deployments, secrets, workers.dev subdomains and custom domains,
// enough for `wrangler deploy`, `secret bulk`/`list`, `deployments list`,
// `versions list|upload|deploy` and `rollback` to run against it for real.
import { randomUUID } from 'node:crypto'

// One part of a multipart/form-data body, by its field name.
function formPart(body, name) {
  const match = body.match(new RegExp(`name="${name}"[^\\r\\n]*\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n([\\s\\S]*?)\\r?\\n--`))
  return match ? match[1] : undefined
}

export function workersApi({ accountId, ok, fail }) {
  // script name -> { versions: [], deployments: [], secrets: Map, subdomain, domains: [] }
  const workers = new Map()
  const notFound = (res, name) => fail(res, 404, 10007, `This Worker does not exist on your account. [${name}]`)

  function newVersion(worker, metadata, message) {
    const version = {
      id: randomUUID(),
      number: worker.versions.length + 1,
      metadata: { created_on: new Date().toISOString(), modified_on: new Date().toISOString(), source: 'wrangler', author_email: 'ci@example.com' },
      annotations: { 'workers/message': message, 'workers/triggered_by': 'upload' },
      resources: {
        bindings: (metadata.bindings ?? []).filter((b) => b.type !== 'secret_text' && b.type !== 'inherit'),
        script: { etag: randomUUID().replaceAll('-', ''), handlers: ['fetch'] },
        script_runtime: { compatibility_date: metadata.compatibility_date, compatibility_flags: metadata.compatibility_flags ?? [], usage_model: 'standard' },
      },
      startup_time_ms: 3,
    }
    worker.versions.unshift(version)
    return version
  }

  function deploy(worker, versions, message) {
    const deployment = {
      id: randomUUID(),
      source: 'wrangler',
      strategy: 'percentage',
      author_email: 'ci@example.com',
      created_on: new Date().toISOString(),
      annotations: { 'workers/message': message },
      versions,
    }
    worker.deployments.unshift(deployment)
    return deployment
  }

  function upload(name, body) {
    const metadata = JSON.parse(formPart(body, 'metadata') ?? '{}')
    const worker = workers.get(name) ?? { name, versions: [], deployments: [], secrets: new Map(), subdomain: { enabled: false, previews_enabled: false }, domains: [] }
    workers.set(name, worker)
    for (const b of metadata.bindings ?? []) if (b.type === 'secret_text') worker.secrets.set(b.name, b.text)
    return { worker, version: newVersion(worker, metadata, metadata.annotations?.['workers/message']) }
  }

  function settings(worker) {
    const deployed = worker.deployments[0]?.versions[0]?.version_id
    const version = worker.versions.find((v) => v.id === deployed) ?? worker.versions[0]
    const secrets = [...worker.secrets.keys()].map((name) => ({ name, type: 'secret_text' }))
    return { bindings: [...(version?.resources.bindings ?? []), ...secrets], compatibility_date: version?.resources.script_runtime.compatibility_date }
  }

  // `secret bulk` PATCHes the settings with every binding: new secrets carry text.
  function patchSettings(name, body) {
    const worker = workers.get(name) ?? upload(name, '').worker
    const { bindings } = JSON.parse(formPart(body, 'settings') ?? '{}')
    for (const b of bindings ?? []) if (b.type === 'secret_text' && b.text !== undefined) worker.secrets.set(b.name, b.text)
    return settings(worker)
  }

  /** Answers a /workers/... request, or returns false when it is not one. */
  function handle(req, res, path, search, body) {
    const base = `/client/v4/accounts/${accountId}/workers`
    if (!path.startsWith(base)) return false
    const rest = path.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent)
    const [kind, name, what, id] = rest
    const worker = workers.get(name)
    const method = req.method

    if (kind === 'subdomain' && rest.length === 1) return ok(res, { subdomain: 'clodo-tests' })
    if (kind === 'services' && rest.length === 2) {
      if (!worker) return fail(res, 404, 10090, 'workers.api.error.service_not_found')
      return ok(res, { id: name, default_environment: { environment: 'production', script: { id: name, tag: `tag-${name}`, last_deployed_from: 'wrangler' } } })
    }
    if (kind !== 'scripts') return fail(res, 404, 7003, `No route for ${method} ${path}`)
    if (!name && method === 'GET') {
      return ok(res, [...workers.values()].map((w) => ({ id: w.name, created_on: w.versions.at(-1)?.metadata.created_on, modified_on: w.versions[0]?.metadata.created_on })))
    }

    if (!what && method === 'PUT') {
      const { worker: created, version } = upload(name, body)
      deploy(created, [{ version_id: version.id, percentage: 100 }], version.annotations['workers/message'])
      return ok(res, { id: name, etag: version.resources.script.etag, deployment_id: version.id.replaceAll('-', ''), startup_time_ms: 3 })
    }
    if (what === 'versions' && !id && method === 'POST') {
      if (!worker) return notFound(res, name)
      const { version } = upload(name, body)
      return ok(res, { ...version, preview_url: undefined })
    }
    if (what === 'secrets' && !id && method === 'GET') return worker ? ok(res, settings(worker).bindings.filter((b) => b.type === 'secret_text')) : notFound(res, name)
    // `secret put`: a secret_text binding in the JSON body; a worker that does not exist yet is created as a draft.
    if (what === 'secrets' && !id && method === 'PUT') {
      const secret = JSON.parse(body || '{}')
      if (typeof secret.name !== 'string' || secret.type !== 'secret_text' || typeof secret.text !== 'string') return fail(res, 400, 10021, 'secret must be { name, text, type: "secret_text" }')
      const target = worker ?? upload(name, '').worker
      target.secrets.set(secret.name, secret.text)
      return ok(res, { name: secret.name, type: 'secret_text' })
    }
    if (what === 'secrets' && id && method === 'DELETE') {
      if (!worker?.secrets.delete(id)) return fail(res, 404, 10056, `Secret ${id} not found on ${name}`)
      return ok(res, null)
    }
    if (what === 'settings' && method === 'GET') return worker ? ok(res, settings(worker)) : notFound(res, name)
    if (what === 'settings' && method === 'PATCH') return ok(res, patchSettings(name, body))
    if (!worker) return notFound(res, name)

    if (what === 'versions' && !id && method === 'GET') return ok(res, { items: worker.versions })
    if (what === 'versions' && id && method === 'GET') {
      const version = worker.versions.find((v) => v.id === id)
      return version ? ok(res, version) : fail(res, 404, 10220, `Version ${id} not found`)
    }
    if (what === 'deployments' && method === 'GET') return ok(res, { deployments: worker.deployments })
    if (what === 'deployments' && method === 'POST') {
      const request = JSON.parse(body)
      for (const v of request.versions) {
        if (!worker.versions.some((known) => known.id === v.version_id)) return fail(res, 400, 10220, `Version ${v.version_id} not found`)
      }
      return ok(res, deploy(worker, request.versions, request.annotations?.['workers/message']))
    }
    if (what === 'script-settings') return ok(res, { logpush: false, tail_consumers: null, observability: { enabled: false }, tags: [] })
    if (what === 'subdomain' && method === 'GET') return ok(res, worker.subdomain)
    if (what === 'subdomain' && method === 'POST') {
      worker.subdomain = { ...worker.subdomain, ...JSON.parse(body) }
      return ok(res, worker.subdomain)
    }
    if (what === 'domains' && id === 'records' && method === 'PUT') {
      const { origins } = JSON.parse(body)
      worker.domains = origins.map((o) => o.hostname)
      return ok(res, origins.map((o) => ({ id: randomUUID(), hostname: o.hostname, service: name, environment: 'production' })))
    }
    return fail(res, 404, 7003, `No route for ${method} ${path}${search}`)
  }

  return { workers, handle }
}
