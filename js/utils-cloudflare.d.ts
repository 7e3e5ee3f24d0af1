export { DomainDiscovery } from '../index'
