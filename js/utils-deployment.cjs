// clodo/utils/deployment: mirrors @tamyla/clodo-framework's subpath with what clodo has built so far.
const native = require('./native.cjs')

module.exports.WranglerConfigManager = native.WranglerConfigManager
module.exports.EnhancedSecretManager = native.EnhancedSecretManager
module.exports.generateSecrets = native.generateSecrets
module.exports.generateSingleSecret = native.generateSingleSecret
module.exports.ConfigurationCacheManager = native.ConfigurationCacheManager
/** The standard secrets with their lengths, as the original exported. */
module.exports.SECRET_CONFIGS = native.secretConfigs()
