// Adds every platform package under <npm dir> to a package.json's
// optionalDependencies at its version, as `napi pre-publish` does before a
// release; used to rehearse one without publishing.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [manifestPath, npmDir] = process.argv.slice(2)
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
manifest.optionalDependencies = {}
for (const dir of readdirSync(npmDir).sort()) {
  const { name } = JSON.parse(readFileSync(join(npmDir, dir, 'package.json'), 'utf8'))
  manifest.optionalDependencies[name] = manifest.version
}
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n')
