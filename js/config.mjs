export * from './config.cjs'
