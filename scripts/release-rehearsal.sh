#!/usr/bin/env bash
# A release rehearsed on this machine, without publishing: the linux-x64-gnu
# platform package and the main package are packed as `napi pre-publish`
# would publish them, installed from their tarballs into fresh projects with
# no Rust on PATH, and used there: require, import, every subpath, the CLI,
# and a service made by `clodo service create` deploying locally.
# Needs `npm run build` first; fails loudly when a tarball would need a compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
version=$(node -p "require('./package.json').version")
work=$(mktemp -d "${TMPDIR:-/tmp}/clodo-release-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "release rehearsal: $*" >&2; exit 1; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

binary=clodo.linux-x64-gnu.node
[ -f "$binary" ] || fail "$binary is missing: run npm run build first"

# The platform package: its package.json and the prebuilt binary, nothing else.
cp -r npm/linux-x64-gnu "$work/platform"
cp "$binary" "$work/platform/"
(cd "$work/platform" && npm pack --silent --pack-destination "$work" >/dev/null)
platform_tgz="$work/clodo-linux-x64-gnu-$version.tgz"

# The main package as packed (packing runs no build), then with the
# optionalDependencies `napi pre-publish` adds: every npm/<platform> package at this version.
npm pack --silent --pack-destination "$work" >/dev/null
main_tgz="$work/clodo-$version.tgz"
mkdir "$work/main" && tar xzf "$main_tgz" -C "$work/main"
node scripts/add-platform-packages.mjs "$work/main/package/package.json" npm
rm "$main_tgz" && (cd "$work/main/package" && npm pack --silent --pack-destination "$work" >/dev/null)

# Nothing in the main tarball may build or need Rust.
listing=$(tar tzf "$main_tgz")
if grep -E '\.node$|Cargo\.toml$|\.rs$|build\.rs$' <<<"$listing"; then fail "the main tarball carries native or Rust files (above)"; fi
node -e '
  const s = require(process.argv[1]).scripts || {}
  const hooks = ["preinstall", "install", "postinstall", "prepare"].filter((h) => s[h])
  if (hooks.length) { console.error("install-time scripts would run on users machines: " + hooks.map((h) => h + ": " + s[h]).join("; ")); process.exit(1) }
' "$work/main/package/package.json" || fail "the main package runs scripts at install time"
tar tzf "$platform_tgz" | grep -qx "package/$binary" || fail "the platform tarball has no $binary"

# A PATH with node and the system's tools, without cargo or rustc.
no_rust_path="$(dirname "$(command -v node)"):/usr/bin:/bin"
if PATH=$no_rust_path command -v cargo >/dev/null || PATH=$no_rust_path command -v rustc >/dev/null; then
  fail "cargo or rustc is still on the PATH meant to have no Rust: $no_rust_path"
fi

app="$work/app"
mkdir "$app" && (cd "$app" && npm init -y >/dev/null)
started=$(date +%s%N)
(cd "$app" && PATH=$no_rust_path npm install --no-audit --no-fund --loglevel=error "$main_tgz" "$platform_tgz" >/dev/null)
install_ms=$(ms "$started")
(cd "$app" && PATH=$no_rust_path npx --no-install clodo --version) | grep -q "^clodo $version" || fail "npx clodo --version did not answer"
first_version_ms=$(ms "$started")

# Every subpath, in both module systems, from the installed package.
(cd "$app" && PATH=$no_rust_path node --input-type=module -e '
  import { createRequire } from "node:module"
  const require = createRequire(process.cwd() + "/")
  const manifest = require("clodo/package.json")
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target !== "object") continue
    const name = subpath === "." ? "clodo" : "clodo" + subpath.slice(1)
    const imported = Object.keys(await import(name)).filter((n) => n !== "default").sort()
    const required = target.require ? Object.keys(require(name)).sort() : imported
    if (imported.length === 0 || JSON.stringify(imported) !== JSON.stringify(required)) {
      console.error(name + ": import gives " + imported + " but require gives " + required); process.exit(1)
    }
  }
  console.log("every subpath loads in both module systems")
') || fail "a subpath does not load alike in both module systems"

# A service made by clodo service create installs the tarballs and deploys locally.
service="$work/services/shop-data"
(cd "$app" && PATH=$no_rust_path npx --no-install clodo service create shop-data --type data-service --domain shop.example.com --path "$work/services" >/dev/null)
(cd "$service" && PATH=$no_rust_path npm install --no-audit --no-fund --loglevel=error "$main_tgz" "$platform_tgz" >/dev/null)
(cd "$service" && PATH=$no_rust_path WRANGLER_SEND_METRICS=false npm run --silent deploy:local) || fail "the created service's npm run deploy:local failed"

main_kb=$(( $(stat -c %s "$main_tgz") / 1024 ))
platform_kb=$(( $(stat -c %s "$platform_tgz") / 1024 ))
echo "release rehearsal: main tarball ${main_kb} KiB, linux-x64-gnu tarball ${platform_kb} KiB;" \
  "install from tarballs ${install_ms} ms; npm install to the first npx clodo --version ${first_version_ms} ms; no Rust on PATH"
