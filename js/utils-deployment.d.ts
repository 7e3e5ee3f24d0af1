export { WranglerConfigManager } from '../index'
