// clodo/utils/cloudflare: see utils-cloudflare.cjs.
export {}
