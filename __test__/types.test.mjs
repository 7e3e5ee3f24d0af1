// index.d.ts is precise: a script using the API type-checks under --strict,
// and the misuses marked @ts-expect-error are rejected.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { root } from './helpers.mjs'

test('the generated types accept real usage and reject misuse', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = ['--strict', '--noEmit', '--target', 'es2022', '--module', 'commonjs', '--skipLibCheck', 'false', join(root, '__test__', 'types', 'usage.ts')]
  try {
    execFileSync(process.execPath, [tsc, ...args], { encoding: 'utf8', stdio: 'pipe' })
  } catch (error) {
    assert.fail(`tsc rejected the typed usage:\n${error.stdout}${error.stderr}`)
  }
})
