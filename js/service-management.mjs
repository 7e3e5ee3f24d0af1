// clodo/service-management: see service-management.cjs.
// Every name of the CommonJS module, so both module systems see the same ones.
export * from './service-management.cjs'
