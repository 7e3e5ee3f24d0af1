// ESM entry: every name of the CommonJS root.
export * from './root.cjs'
export { default } from './root.cjs'
