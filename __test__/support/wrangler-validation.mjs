// Compares clodo's findings with wrangler's own diagnostics, run by run (a
// file's top level, then each of its environments): splits wrangler's
// rendered diagnostics into single ones, finds the key each concerns, and
// pairs them with clodo's findings on the same key at the same severity.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const reader = fileURLToPath(new URL('./wrangler-read-configs.mjs', import.meta.url))

/** Every file read by wrangler, top level and each env: `{ runs, ms }`. */
export function readWithWrangler(files) {
  const run = spawnSync(process.execPath, [reader], {
    input: files.join('\n'),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
  })
  if (run.status !== 0) throw new Error(`wrangler's reader failed: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

const plain = (text) => text.replace(/\x1B\[[0-9;]*m/g, '')

/**
 * One run's diagnostics, `{ severity, text, context }` each: wrangler nests
 * some under a heading naming the binding they are about (the context).
 * An error thrown outside the diagnostics is one diagnostic of its own.
 */
export function diagnosticsOf(run) {
  const out = []
  const split = (text, severity) => {
    const lines = plain(text).replace(/^▲ \[WARNING\] /, '').split('\n')
    if (!/^Processing .* configuration:$/.test(lines[0].trim())) {
      out.push({ severity, text: lines.join('\n'), context: null, thrown: true })
      return
    }
    let current = null
    let heading = null
    for (const line of lines.slice(1)) {
      const bullet = line.match(/^(\s*)- (.*)$/)
      if (bullet && /^"env\.[^"]+" environment configuration$/.test(bullet[2])) {
        current = heading = null
        continue
      }
      const named = bullet && bullet[2].match(/^"([^"]+\.bindings\[\d+\])": /)
      if (named) {
        heading = { path: named[1], indent: bullet[1].length }
        current = null
        continue
      }
      if (heading && bullet && bullet[1].length <= heading.indent) heading = null
      // Deeper bullets continue the diagnostic above (lists of binding names).
      if (bullet && !(current && bullet[1].length > current.indent)) {
        current = { severity, text: bullet[2], indent: bullet[1].length, context: heading?.path ?? null }
        out.push(current)
      } else if (current && line.trim()) {
        current.text += '\n' + line.trim()
      }
    }
  }
  if (run.error) split(run.error, 'error')
  for (const w of run.warnings) split(w, 'warning')
  return out.map(({ severity, text, context, thrown }) => ({ severity, text, context, thrown: !!thrown }))
}

/**
 * What a wrangler diagnostic is about: `{ keys }`, dotted paths relative to
 * the environment of the run, or `{ rule }` for the few about no one key.
 */
export function subjectOf(diagnostic, env) {
  const { text, context } = diagnostic
  const local = (path) => (env && path.startsWith(`env.${env}`) ? path.slice(`env.${env}`.length).replace(/^\./, '') : path)
  // wrangler writes a few paths its own way.
  const tidy = (path) => local(path).replace(/^sites\./, 'site.').replace(/^(logs|traces)\./, 'observability.$1.').replace(/\[["'][^"']*["']\]$/, '')
  const first = text.split('\n')[0]
  let m
  if (context) return { keys: [local(context)] }
  // wrangler stopped with an error of its own: any error of clodo's answers it.
  if (diagnostic.thrown && !/python_workers/.test(first)) return { rule: null }
  if ((m = first.match(/^Unexpected fields found in (.+?) field: (.+)$/))) {
    const base = m[1] === 'top-level' ? '' : local(m[1])
    return { keys: [...m[2].matchAll(/"([^"]*)"/g)].map((k) => (base ? `${base}.${k[1]}` : k[1])) }
  }
  if ((m = first.match(/^There is an? (\w+) binding with name/))) return { keys: [m[1]] }
  if ((m = text.match(/since "(\w+)" configuration is not inherited/))) return { keys: [m[1]] }
  if ((m = first.match(/^"([^"]+)" exists on "env\.[^"]+", but not on the top level/))) return { keys: [`define.${m[1]}`] }
  if ((m = first.match(/^(?:Removed|Deprecation): "([^"]+)"/))) return { keys: [m[1]] }
  if ((m = first.match(/^([a-z0-9_]+(?:\.[\w-]+|\[\d+\])+)[ =]/))) return { keys: [tidy(m[1])] }
  if (/^The image "|instance_type has been renamed|^Must have either a top level "name" and "containers/.test(first)) return { keys: ['containers'] }
  if (/^"constraints\./.test(first)) return { keys: ['containers'] }
  if (/you have configured `durable_objects`/.test(first)) return { keys: ['durable_objects'] }
  if (/site\.entry-point/.test(first)) return { keys: ['site'] }
  if (/^Service environments are deprecated/.test(first)) return { keys: ['legacy_env'] }
  if (/^The binding type "|metadata binding is now deprecated/.test(first)) return { keys: ['unsafe'] }
  if (/python_workers/.test(first)) return { keys: ['compatibility_flags'] }
  if (/^The name 'ASSETS' is reserved/.test(first)) return { rule: 'RESERVED_NAME' }
  if (/ assigned to |^Bindings must have unique names/.test(first)) return { rule: 'DUPLICATE_BINDING' }
  if ((m = first.match(/^Expected alias\["/))) return { keys: ['alias'] }
  if ((m = first.match(/"([^"]+)"/))) return { keys: [tidy(m[1])] }
  return { rule: 'UNKNOWN' }
}

const segments = (path) => path.split(/[.[\]]+/).filter(Boolean)

/** Whether clodo's `finding` (in the run of `env`) is about `key`. */
export function sameKey(key, finding, env) {
  const path = env && finding.path.startsWith(`env.${env}`) ? finding.path.slice(`env.${env}`.length).replace(/^\./, '') : finding.path
  const [a, b] = [segments(key), segments(path)]
  if (a.length === 0 || b.length === 0) return a.length === b.length
  // A bare field name ("binding", "type") is about that field wherever it is.
  if (a.length === 1 && (b[0] === a[0] || b[b.length - 1] === a[0])) return true
  if (a[0] !== b[0]) return false
  const prefix = (x, y) => x.every((s, i) => y[i] === s)
  return prefix(a, b) || prefix(b, a) || a[a.length - 1] === b[b.length - 1]
}

/** Findings of clodo that count in the run of `env`: the top level's and the env's own. */
export function findingsFor(findings, env) {
  return findings.filter((f) => f.env == null || f.env === env)
}

export function matches(diagnostic, findings, env) {
  const subject = subjectOf(diagnostic, env)
  const about = (f) => (subject.keys ? subject.keys.some((k) => sameKey(k, f, env)) : subject.rule === null || f.rule === subject.rule)
  return findings.some((f) => f.severity === diagnostic.severity && about(f))
}
