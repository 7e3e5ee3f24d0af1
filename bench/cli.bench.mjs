// Start-up of the CLI: `clodo --version` and `--help` (Node, bin/clodo.js,
// the native module, clap) beside the original package's `clodo-service`,
// median of 20 runs each. Target: clodo at most 50 ms.
//   npm run build && node bench/cli.bench.mjs
import { spawnSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const runs = 20

function median(argv) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8' })
    times.push(performance.now() - started)
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(runs / 2)]
}

const clodo = join(root, 'bin', 'clodo.js')
const original = join(root, 'node_modules', '@tamyla', 'clodo-framework', 'dist', 'cli', 'clodo-service.js')
const bare = median(['-e', '0'])
console.log(`CLI start-up, median of ${runs} runs (node -e 0 alone: ${bare.toFixed(1)} ms)`)
for (const flag of ['--version', '--help']) {
  const ours = median([clodo, flag])
  const theirs = median([original, flag])
  console.log(`  ${flag.padEnd(10)} clodo ${ours.toFixed(1).padStart(6)} ms   clodo-service ${theirs.toFixed(1).padStart(6)} ms   ${(theirs / ours).toFixed(1)}× faster`)
}
