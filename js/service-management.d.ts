export { ServiceCreator, createService } from '../index'
export { ServiceOrchestrator } from './framework'
