// A copy of examples/data-service for a benchmark (without a demo run's state), with wrangler reached through a
// wrapper that logs the first two arguments of every process it starts, so a run's processes can be counted.
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function countedService(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cpSync(join(root, 'examples', 'data-service'), dir, { recursive: true, filter: (from) => !['.clodo', 'logs', '.wrangler'].includes(basename(from)) })
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  const wrapper = join(dir, 'wrangler-counted')
  const log = join(dir, 'wrangler.log')
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$1 $2" >> "${log}"\nexec "${join(root, 'node_modules', '.bin', 'wrangler')}" "$@"\n`)
  chmodSync(wrapper, 0o755)
  /** Each wrangler process started so far, as its first two arguments. */
  const processes = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [])
  return { dir, wrapper, processes }
}
