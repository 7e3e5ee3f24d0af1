export * from './security.cjs'
