// clodo/utils/deployment: see utils-deployment.cjs.
import native from '../index.js'

export const { WranglerConfigManager, EnhancedSecretManager, generateSecrets, generateSingleSecret, ConfigurationCacheManager } = native
/** The standard secrets with their lengths, as the original exported. */
export const SECRET_CONFIGS = native.secretConfigs()
