// clodo/worker for ES modules and for wrangler's bundler: the helpers live in
// ../js/worker.cjs (one implementation for require and import).
export * from '../js/worker.cjs'
