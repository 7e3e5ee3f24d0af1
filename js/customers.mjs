export * from './customers.cjs'
