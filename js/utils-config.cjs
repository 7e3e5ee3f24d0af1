// clodo/utils/config: mirrors @tamyla/clodo-framework's subpath (unified-config-manager).
const native = require('./native.cjs')

module.exports.UnifiedConfigManager = native.UnifiedConfigManager
module.exports.createUnifiedConfigManager = native.createUnifiedConfigManager
/** A shared manager for `<cwd>/config/customers`, as the original exported. */
module.exports.unifiedConfigManager = new native.UnifiedConfigManager()
