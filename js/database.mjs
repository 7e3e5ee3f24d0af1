// clodo/database: see database.cjs.
// Every name of the CommonJS module, so both module systems see the same ones.
export * from './database.cjs'
