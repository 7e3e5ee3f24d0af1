export { ServiceCreator, createService } from '../index'
