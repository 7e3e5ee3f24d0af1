// clodo/orchestration: see orchestration.cjs.
// Every name of the CommonJS module, so both module systems see the same ones.
export * from './orchestration.cjs'
