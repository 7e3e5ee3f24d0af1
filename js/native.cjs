// The native binding (the generated ../index.js), or, when no prebuilt binary
// fits this machine, an error that says which package was looked for and what
// to do; napi's own error stays as its `cause`.
try {
  require('../index.js')
} catch (error) {
  throw noBinaryError(error)
}
// Written as a plain re-export so Node sees every name from ESM too.
module.exports = require('../index.js')

function platformPackage() {
  const { platform, arch } = process
  if (platform === 'win32') return `clodo-win32-${arch}-msvc`
  if (platform !== 'linux') return `clodo-${platform}-${arch}`
  const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
  return `clodo-linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}

function noBinaryError(cause) {
  const { platform, arch } = process
  const expected = platformPackage()
  const known = require('../package.json').napi.targets
  const message =
    `clodo has no native binary loaded for ${platform}-${arch}: the package ${expected} is not installed, or does not load here.\n` +
    `- Reinstall with optional dependencies enabled (not --omit=optional, --no-optional or --ignore-optional): npm install clodo\n` +
    `- Or build it from source (needs Rust 1.89+): in the clodo package folder run npm run build\n` +
    `Prebuilt for: ${known.join(', ')}.`
  const error = new Error(message, { cause })
  error.code = 'E_NO_NATIVE_BINARY'
  return error
}
