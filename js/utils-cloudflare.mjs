// clodo/utils/cloudflare: see utils-cloudflare.cjs.
// Every name of the CommonJS module, so both module systems see the same ones.
export * from './utils-cloudflare.cjs'
