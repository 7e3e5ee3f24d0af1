export { MultiDomainOrchestrator, CrossDomainCoordinator } from '../index'
