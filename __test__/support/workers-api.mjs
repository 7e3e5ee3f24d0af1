// The Workers part of the Cloudflare API stand-in (tests only): scripts,
// versions, deployments, secrets, routes, cron schedules, workers.dev
// subdomains and custom domains, enough for `wrangler deploy`, `secret
// bulk`/`put`/`list`, `deployments list`, `versions list|upload|deploy` and
// `rollback` to run against it for real, refusing what Cloudflare refuses.
//
// Secrets belong to versions: each version carries the secrets it was made
// with, and `worker.secrets` is the latest version's.
import { randomUUID } from 'node:crypto'

// One part of a multipart/form-data body, by its field name.
function formPart(body, name) {
  const match = body.match(new RegExp(`name="${name}"[^\\r\\n]*\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n([\\s\\S]*?)\\r?\\n--`))
  return match ? match[1] : undefined
}

const secretsOf = (version) => version?.secrets ?? new Map()

/** A worker as the stand-in keeps it; tests may add their own with this. */
export function newWorker(name) {
  const worker = { name, versions: [], deployments: [], subdomain: { enabled: false, previews_enabled: false }, domains: [], routes: [], schedules: [] }
  Object.defineProperty(worker, 'secrets', { get: () => secretsOf(worker.versions[0]), enumerable: false })
  return worker
}

// The names whose values differ between two sets of secrets (added, removed or changed).
function changedSecrets(a, b) {
  const names = new Set([...a.keys(), ...b.keys()])
  return [...names].filter((n) => a.get(n) !== b.get(n)).sort()
}

export function workersApi({ accountId, ok, fail, databaseExists, storageRefused, zoneServing, workersDevSubdomain }) {
  const workers = new Map() // script name -> newWorker(...)
  const assets = new Map() // content hash -> base64 body: the account's stored asset files
  const sessions = new Map() // upload JWT -> { script, missing: Set of hashes, completion }
  const completions = new Set() // completion JWTs an upload may attach
  const notFound = (res, name) => fail(res, 404, 10007, `This Worker does not exist on your account. [${name}]`)
  const invalid = (res, message) => fail(res, 400, 10021, message) // code not published for these; 10021 is a validation error

  function newVersion(worker, { bindings = [], compatibility_date, compatibility_flags = [], assets: attached, secrets, message, triggeredBy = 'upload' }) {
    const version = {
      id: randomUUID(),
      number: worker.versions.length + 1,
      metadata: { created_on: new Date().toISOString(), modified_on: new Date().toISOString(), source: 'wrangler', author_email: 'ci@example.com' },
      annotations: { 'workers/message': message, 'workers/triggered_by': triggeredBy },
      resources: {
        bindings: bindings.filter((b) => b.type !== 'secret_text' && b.type !== 'inherit'),
        ...(attached && { assets: { jwt: attached.jwt, config: attached.config } }),
        script: { etag: randomUUID().replaceAll('-', ''), handlers: ['fetch'] },
        script_runtime: { compatibility_date, compatibility_flags, usage_model: 'standard' },
      },
      startup_time_ms: 3,
    }
    Object.defineProperty(version, 'secrets', { value: secrets, enumerable: false })
    worker.versions.unshift(version)
    return version
  }

  function deploy(worker, versions, message) {
    const deployment = { id: randomUUID(), source: 'wrangler', strategy: 'percentage', author_email: 'ci@example.com', created_on: new Date().toISOString(), annotations: { 'workers/message': message }, versions }
    worker.deployments.unshift(deployment)
    return deployment
  }

  // Static assets, as wrangler syncs them (packages/wrangler/src/assets.ts): a session over the manifest answers
  // the hashes not stored yet in buckets, each bucket goes up with the session's JWT (not the API token), and
  // the last upload (or the session, when nothing is missing) gives the completion JWT the upload must carry.
  function startAssetSession(res, script, manifest) {
    if (!manifest || typeof manifest !== 'object') return invalid(res, 'manifest is required')
    const missing = [...new Set(Object.values(manifest).map((f) => f.hash))].filter((h) => !assets.has(h))
    const completion = `completion-${randomUUID()}`
    if (missing.length === 0) {
      completions.add(completion)
      return ok(res, { jwt: completion, buckets: [] })
    }
    const jwt = `session-${randomUUID()}`
    sessions.set(jwt, { script, missing: new Set(missing), completion })
    const buckets = []
    for (let i = 0; i < missing.length; i += 2) buckets.push(missing.slice(i, i + 2))
    return ok(res, { jwt, buckets })
  }

  /** POST /workers/assets/upload, authorised by a session's JWT; false when `req` is not that. */
  function uploadAssets(req, res, url, body) {
    if (url.pathname !== `/client/v4/accounts/${accountId}/workers/assets/upload` || req.method !== 'POST') return false
    const session = sessions.get((req.headers.authorization ?? '').replace(/^Bearer /, ''))
    if (!session) return fail(res, 401, 10000, 'Authentication error: not an asset upload session')
    for (const hash of session.missing) {
      const part = formPart(body, hash)
      if (part !== undefined) {
        assets.set(hash, part)
        session.missing.delete(hash)
      }
    }
    if (session.missing.size > 0) return ok(res, {})
    completions.add(session.completion)
    return ok(res, { jwt: session.completion })
  }

  // An upload with assets must carry a completion JWT of this account (message ours).
  const refusedAssets = (metadata) => metadata.assets && !completions.has(metadata.assets.jwt) && 'assets.jwt is not a completed asset upload'

  // A D1 binding must name a database of the account (code 10181, from an audit of the API; message ours). A KV
  // namespace, R2 bucket or queue must exist too (storage-api.mjs); that refusal's code is not published (10041
  // here), and clodo goes by the status. `[code, message]`, or undefined when every binding is fine.
  function refusedBinding(bindings) {
    const d1 = (bindings ?? []).find((b) => b.type === 'd1' && !databaseExists(b.id))
    if (d1) return [10181, `binding ${d1.name} refers to D1 database ${d1.id}, which does not exist on this account`]
    const storage = storageRefused(bindings)
    return storage && [10041, storage]
  }

  // An upload: the metadata's bindings, its secret_text bindings on top of the
  // latest version's secrets (deployments never delete secrets:
  // developers.cloudflare.com/workers/configuration/secrets).
  function upload(worker, body) {
    const metadata = JSON.parse(formPart(body, 'metadata') ?? '{}')
    const secrets = new Map(secretsOf(worker.versions[0]))
    for (const b of metadata.bindings ?? []) if (b.type === 'secret_text') secrets.set(b.name, b.text)
    return newVersion(worker, { ...metadata, secrets, message: metadata.annotations?.['workers/message'] })
  }

  // The version serving all traffic, when one does.
  const fullyDeployed = (worker) => {
    const current = worker.deployments[0]?.versions ?? []
    return current.length === 1 && current[0].percentage === 100 ? current[0].version_id : undefined
  }

  // Changing a secret makes a new version from the latest and deploys it; Cloudflare refuses when the
  // latest version is not the one deployed (code 10215: wrangler's VERSION_NOT_DEPLOYED_ERR_CODE).
  function editSecrets(res, worker, edit) {
    const latest = worker.versions[0]
    if (latest && fullyDeployed(worker) !== latest.id) {
      fail(res, 400, 10215, "Secret edit failed: the latest version of this Worker isn't currently deployed")
      return undefined
    }
    const secrets = edit(new Map(secretsOf(latest)))
    const version = newVersion(worker, {
      bindings: latest?.resources.bindings ?? [],
      compatibility_date: latest?.resources.script_runtime.compatibility_date,
      compatibility_flags: latest?.resources.script_runtime.compatibility_flags,
      assets: latest?.resources.assets,
      secrets,
      message: 'Secret Change',
      triggeredBy: 'secret',
    })
    deploy(worker, [{ version_id: version.id, percentage: 100 }], 'Secret Change')
    return version
  }

  function settings(worker) {
    const latest = worker.versions[0]
    const secrets = [...secretsOf(latest).keys()].map((name) => ({ name, type: 'secret_text' }))
    return { bindings: [...(latest?.resources.bindings ?? []), ...secrets], compatibility_date: latest?.resources.script_runtime.compatibility_date }
  }

  // A deployment of one or two versions whose percentages make 100 (Cloudflare's API reference, "Create
  // Deployment", and wrangler's own checks). An older version whose secrets changed since is refused unless
  // `?force=true` (code 10220 and its message, from wrangler's rollback handling and its tests); our reading is
  // that a version already in the current deployment is never "older", so a canary split beside it is allowed.
  function createDeployment(res, worker, request, force) {
    const versions = request.versions ?? []
    if (request.strategy !== 'percentage' || versions.length < 1 || versions.length > 2) return invalid(res, 'a deployment is one or two versions with strategy "percentage"')
    const total = versions.reduce((sum, v) => sum + v.percentage, 0)
    if (Math.abs(total - 100) > 1e-9) return invalid(res, `the versions' percentages must add up to 100, got ${total}`)
    const latest = worker.versions[0]
    const current = new Set((worker.deployments[0]?.versions ?? []).map((v) => v.version_id))
    for (const v of versions) {
      const version = worker.versions.find((known) => known.id === v.version_id)
      if (!version) return fail(res, 404, 10224, `Version ${v.version_id} not found`) // code not published
      const changed = changedSecrets(secretsOf(version), secretsOf(latest))
      if (!force && !current.has(version.id) && changed.length > 0) {
        return fail(res, 400, 10220, `A secret has changed since this version was active. If you are sure this is ok, add a ?force=true query parameter to allow the rollback. The following secrets have changed: ${changed.join(', ')}`)
      }
    }
    return ok(res, deploy(worker, versions, request.annotations?.['workers/message']))
  }

  /** Answers a /workers/... request, or returns false when it is not one. */
  function handle(req, res, url, body) {
    const base = `/client/v4/accounts/${accountId}/workers`
    const path = url.pathname
    if (!path.startsWith(base)) return false
    const rest = path.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent)
    const [kind, name, what, id] = rest
    const worker = workers.get(name)
    const method = req.method

    // A fresh account has no workers.dev subdomain until one is registered: 10007 (wrangler's getWorkersDevSubdomain).
    if (kind === 'subdomain' && rest.length === 1) {
      return workersDevSubdomain ? ok(res, { subdomain: workersDevSubdomain }) : fail(res, 404, 10007, 'This account has no workers.dev subdomain')
    }
    if (kind === 'services' && rest.length === 2) {
      if (!worker) return fail(res, 404, 10090, 'workers.api.error.service_not_found')
      return ok(res, { id: name, default_environment: { environment: 'production', script: { id: name, tag: `tag-${name}`, last_deployed_from: 'wrangler' } } })
    }
    if (kind !== 'scripts') return fail(res, 404, 7003, `No route for ${method} ${path}`)
    if (!name && method === 'GET') {
      return ok(res, [...workers.values()].map((w) => ({ id: w.name, created_on: w.versions.at(-1)?.metadata.created_on, modified_on: w.versions[0]?.metadata.created_on })))
    }

    // Assets are uploaded before the worker's first upload, so their session needs no worker yet.
    if (what === 'assets-upload-session' && method === 'POST') return startAssetSession(res, name, JSON.parse(body || '{}').manifest)
    // A full upload creates the worker when it is new, and deploys the version.
    if (!what && method === 'PUT') {
      const metadata = JSON.parse(formPart(body, 'metadata') ?? '{}')
      const refused = refusedBinding(metadata.bindings)
      if (refused) return fail(res, 400, ...refused)
      if (refusedAssets(metadata)) return invalid(res, refusedAssets(metadata))
      const target = worker ?? newWorker(name)
      workers.set(name, target)
      const version = upload(target, body)
      deploy(target, [{ version_id: version.id, percentage: 100 }], version.annotations['workers/message'])
      return ok(res, { id: name, etag: version.resources.script.etag, deployment_id: version.id.replaceAll('-', ''), startup_time_ms: 3 })
    }
    if (!worker) return notFound(res, name) // every other call needs the worker (10007, as wrangler expects)

    if (what === 'versions' && !id && method === 'POST') {
      const metadata = JSON.parse(formPart(body, 'metadata') ?? '{}')
      const refused = refusedBinding(metadata.bindings)
      if (refused) return fail(res, 400, ...refused)
      if (refusedAssets(metadata)) return invalid(res, refusedAssets(metadata))
      return ok(res, { ...upload(worker, body), preview_url: undefined })
    }
    if (what === 'secrets' && !id && method === 'GET') return ok(res, settings(worker).bindings.filter((b) => b.type === 'secret_text'))
    // `secret put`: a secret_text binding in the JSON body.
    if (what === 'secrets' && !id && method === 'PUT') {
      const secret = JSON.parse(body || '{}')
      if (typeof secret.name !== 'string' || secret.type !== 'secret_text' || typeof secret.text !== 'string') return invalid(res, 'secret must be { name, text, type: "secret_text" }')
      return editSecrets(res, worker, (s) => s.set(secret.name, secret.text)) && ok(res, { name: secret.name, type: 'secret_text' })
    }
    if (what === 'secrets' && id && method === 'DELETE') {
      if (!worker.secrets.has(id)) return fail(res, 404, 10056, `Secret ${id} not found on ${name}`)
      return editSecrets(res, worker, (s) => (s.delete(id), s)) && ok(res, null)
    }
    if (what === 'settings' && method === 'GET') return ok(res, settings(worker))
    // `secret bulk` PATCHes the settings with every binding: new secrets carry text, the others are inherited;
    // a secret left out is deleted.
    if (what === 'settings' && method === 'PATCH') {
      const { bindings = [] } = JSON.parse(formPart(body, 'settings') ?? '{}')
      const version = editSecrets(res, worker, (s) => {
        const kept = new Map([...s].filter(([n]) => bindings.some((b) => b.name === n)))
        for (const b of bindings) if (b.type === 'secret_text' && b.text !== undefined) kept.set(b.name, b.text)
        return kept
      })
      return version && ok(res, settings(worker))
    }
    if (what === 'versions' && !id && method === 'GET') return ok(res, { items: worker.versions })
    if (what === 'versions' && id && method === 'GET') {
      const version = worker.versions.find((v) => v.id === id)
      return version ? ok(res, version) : fail(res, 404, 10224, `Version ${id} not found`)
    }
    if (what === 'deployments' && method === 'GET') return ok(res, { deployments: worker.deployments })
    if (what === 'deployments' && method === 'POST') return createDeployment(res, worker, JSON.parse(body), url.searchParams.get('force') === 'true')
    // Script settings are read and patched, nothing else (status is HTTP's; the code is not published).
    if (what === 'script-settings' && method === 'GET') return ok(res, { logpush: false, tail_consumers: null, observability: { enabled: false }, tags: [] })
    if (what === 'script-settings' && method === 'PATCH') return ok(res, { logpush: false, tail_consumers: null, observability: { enabled: false }, tags: [], ...JSON.parse(body || '{}') })
    if (what === 'script-settings') return fail(res, 405, 10405, `Method ${method} not allowed on script-settings`)
    if (what === 'subdomain' && method === 'GET') return ok(res, worker.subdomain)
    if (what === 'subdomain' && method === 'POST') {
      worker.subdomain = { ...worker.subdomain, ...JSON.parse(body) }
      return ok(res, worker.subdomain)
    }
    // Routes replace the worker's routes (wrangler: "PUT will delete previous routes"); each must be on an
    // active zone of the account (message ours).
    if (what === 'routes' && method === 'PUT') {
      const asked = JSON.parse(body || '[]')
      const outside = asked.find((r) => !zoneServing(String(r.pattern).replace(/^\*?\.?/, '').split('/')[0]))
      if (outside) return fail(res, 400, 10019, `route ${outside.pattern} is not on a zone of this account`)
      worker.routes = asked.map((r) => ({ id: randomUUID(), pattern: r.pattern, script: name }))
      return ok(res, worker.routes)
    }
    if (what === 'routes' && method === 'GET') return ok(res, worker.routes)
    // Cron triggers replace the worker's schedules (wrangler: "PUT will override previous schedules").
    if (what === 'schedules' && method === 'PUT') {
      const asked = JSON.parse(body || '[]')
      const bad = asked.find((s) => typeof s.cron !== 'string' || s.cron.trim().split(/\s+/).length !== 5)
      if (bad) return invalid(res, `invalid cron expression ${JSON.stringify(bad.cron)}`)
      const now = new Date().toISOString()
      worker.schedules = asked.map((s) => ({ cron: s.cron, created_on: now, modified_on: now }))
      return ok(res, { schedules: worker.schedules })
    }
    if (what === 'schedules' && method === 'GET') return ok(res, { schedules: worker.schedules })
    // Custom domains: each hostname must be on an active zone of the account (message ours).
    if (what === 'domains' && id === 'records' && method === 'PUT') {
      const { origins } = JSON.parse(body)
      const outside = origins.find((o) => !zoneServing(o.hostname))
      if (outside) return fail(res, 400, 100117, `${outside.hostname} is not on a zone of this account`)
      // A zone named with the hostname must be the one serving it (code not published; message ours).
      const wrongZone = origins.find((o) => o.zone_id !== undefined && o.zone_id !== zoneServing(o.hostname).id)
      if (wrongZone) return fail(res, 400, 100117, `zone ${wrongZone.zone_id} does not serve ${wrongZone.hostname}`)
      worker.domains = origins.map((o) => o.hostname)
      return ok(res, origins.map((o) => ({ id: randomUUID(), hostname: o.hostname, service: name, environment: 'production' })))
    }
    return fail(res, 404, 7003, `No route for ${method} ${path}${url.search}`)
  }

  /** A worker deployed once (no bindings, no secrets), as a test's starting point. */
  function addWorker(name) {
    const worker = newWorker(name)
    workers.set(name, worker)
    const version = newVersion(worker, { compatibility_date: '2025-01-01', secrets: new Map(), message: 'first deploy' })
    deploy(worker, [{ version_id: version.id, percentage: 100 }], 'first deploy')
    return worker
  }

  return { workers, assets, handle, uploadAssets, addWorker }
}
