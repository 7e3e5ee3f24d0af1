import { UnifiedConfigManager } from '../index'
export { UnifiedConfigManager, createUnifiedConfigManager } from '../index'
/** A shared manager for `<cwd>/config/customers`, as the original exported. */
export declare const unifiedConfigManager: UnifiedConfigManager
