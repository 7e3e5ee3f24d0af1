// clodo/utils/config: see utils-config.cjs.
import native from '../index.js'

export const { UnifiedConfigManager, createUnifiedConfigManager } = native
/** A shared manager for `<cwd>/config/customers`, as the original exported. */
export const unifiedConfigManager = new UnifiedConfigManager()
