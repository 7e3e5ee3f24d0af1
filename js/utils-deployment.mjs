// clodo/utils/deployment: see utils-deployment.cjs.
// Every name of the CommonJS module, so both module systems see the same ones.
export * from './utils-deployment.cjs'
