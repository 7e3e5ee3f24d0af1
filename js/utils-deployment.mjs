// clodo/utils/deployment: see utils-deployment.cjs.
import native from '../index.js'

export const { WranglerConfigManager } = native
