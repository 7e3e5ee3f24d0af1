// ESM entry: every name the native binding (CommonJS, generated index.js) exports.
export * from './native.cjs'
export { default } from './native.cjs'
