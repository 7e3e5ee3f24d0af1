import { SecretConfig } from '../index'
export { WranglerConfigManager, EnhancedSecretManager, generateSecrets, generateSingleSecret, ConfigurationCacheManager } from '../index'
/** The standard secrets with their lengths, as the original exported. */
export declare const SECRET_CONFIGS: Record<string, SecretConfig>
