export { DatabaseOrchestrator } from '../index'
