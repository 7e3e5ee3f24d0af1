export { MultiDomainOrchestrator } from '../index'
