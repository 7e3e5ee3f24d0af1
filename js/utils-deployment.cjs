// clodo/utils/deployment mirrors @tamyla/clodo-framework's subpath.
'use strict'

const native = require('./native.cjs')
const prompts = require('./prompts.cjs')
const { DeploymentCredentialCollector } = require('./credentials.cjs')

module.exports.WranglerConfigManager = native.WranglerConfigManager
module.exports.EnhancedSecretManager = native.EnhancedSecretManager
module.exports.generateSecrets = native.generateSecrets
module.exports.generateSingleSecret = native.generateSingleSecret
module.exports.ConfigurationCacheManager = native.ConfigurationCacheManager
/** The standard secrets with their lengths, as the original exported. */
module.exports.SECRET_CONFIGS = native.secretConfigs()
module.exports.UnifiedConfigManager = native.UnifiedConfigManager
/** A shared manager for `<cwd>/config/customers`, as the original exported. */
module.exports.unifiedConfigManager = require('./utils-config.cjs').unifiedConfigManager
module.exports.askUser = prompts.askUser
module.exports.askYesNo = prompts.askYesNo
module.exports.askChoice = prompts.askChoice
module.exports.closePrompts = prompts.closePrompts
module.exports.DeploymentCredentialCollector = DeploymentCredentialCollector
