// clodo/utils/config: see utils-config.cjs.
// Every name of the CommonJS module, so both module systems see the same ones.
export * from './utils-config.cjs'
