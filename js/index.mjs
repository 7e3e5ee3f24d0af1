// ESM entry: the native binding is CommonJS (generated index.js).
import native from '../index.js'

export const { WranglerConfigManager, UnifiedConfigManager, createUnifiedConfigManager, DatabaseOrchestrator, EnhancedSecretManager, DeploymentAuditor, DeploymentValidator, ProductionTester, MultiDomainOrchestrator, CrossDomainCoordinator, generateSecrets, generateSingleSecret, secretConfigs, ErrorCode, errorCodes } = native
export default native
