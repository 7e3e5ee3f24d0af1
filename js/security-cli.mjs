export * from './security-cli.cjs'
