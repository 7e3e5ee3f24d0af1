// Types of clodo/config.
export * from './domain-config'
export * from './customers'
