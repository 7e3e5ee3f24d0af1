// The package root: every class and function of clodo, under the names the
// original's root declared (its in-worker application framework aside).
//
// require('clodo') loads nothing until a name is read, then only the module that
// has it: loading every module of the drop-in layer at once took three times
// as long as the native addon alone. Where two modules have a name, the later
// one in this list has it, as when the root spread them in this order.
'use strict'

const owners = {
  './native.cjs': [
    'cloudflarePutSecret', 'cloudflareDatabaseId', 'cloudflareExecuteSql', 'cloudflareListSecrets',
    'cloudflareListWorkers', 'cloudflareDeleteSecret', 'cloudflareDeployWorker', 'cloudflareListDatabases',
    'cloudflareCreateDatabase', 'cloudflareDeleteDatabase', 'secretConfigs', 'createUnifiedConfigManager', 'runCli',
    'ErrorCode', 'errorCodes', 'securityRules', 'ServiceCreator', 'CrossDomainCoordinator', 'DatabaseOrchestrator',
    'MultiDomainOrchestrator', '__napiBindingTarget', 'CloudflareApiClass', 'keepCloudflareToken',
    'storedCloudflareToken', 'storedCloudflareTokens', 'forgetCloudflareToken',
  ],
  './config.cjs': [
    'deepMerge', 'validateRequired', 'mergeDomainConfigs', 'createDomainRegistry', 'FEATURES',
    'CustomerConfigurationManager', 'customerConfigManager', 'createCustomer', 'validateCustomerConfigs',
    'showCustomerConfig', 'getCustomerDeployCommand',
  ],
  './worker.cjs': [
    'createDomainConfigSchema', 'domainConfigProblems', 'validateDomainConfig', 'getDomainFromEnv',
    'createEnvironmentConfig', 'FeatureFlagManager', 'featureManager', 'initializeService', 'createFeatureGuard',
    'createRouteGuard', 'createEnvironmentGuard', 'createRateLimitGuard', 'createCorsMiddleware',
    'createErrorHandler', 'checkDatabase', 'COMMON_FEATURES', 'configManager', 'composeMiddleware',
    'createBearerAuth', 'createApiKeyAuth', 'withMiddleware',
  ],
  './utils-deployment.cjs': [
    'generateSecrets', 'generateSingleSecret', 'WranglerConfigManager', 'UnifiedConfigManager',
    'EnhancedSecretManager', 'ConfigurationCacheManager', 'SECRET_CONFIGS', 'unifiedConfigManager', 'askUser',
    'askYesNo', 'askChoice', 'closePrompts', 'DeploymentCredentialCollector',
  ],
  './utils-cloudflare.cjs': [
    'CloudflareAPI', 'DomainDiscovery', 'formatZonesForDisplay', 'parseZoneSelection', 'checkAuth', 'authenticate',
    'storeCloudflareToken', 'getCloudflareToken', 'listWorkers', 'workerExists', 'deployWorker', 'deploySecret',
    'deleteSecret', 'listSecrets', 'listDatabases', 'databaseExists', 'createDatabase', 'deleteDatabase',
    'runMigrations', 'executeSql', 'getDatabaseId', 'validatePrerequisites',
  ],
  './deployment.cjs': [
    'RollbackManager', 'DeploymentValidator', 'ProductionTester', 'DeploymentAuditor', 'BaseDeploymentOrchestrator',
    'SingleServiceOrchestrator', 'PortfolioOrchestrator', 'UnifiedDeploymentOrchestrator',
  ],
  './security.cjs': [
    'SecretGenerator', 'ConfigurationValidator', 'SecurityCLI', 'INSECURE_PATTERNS', 'ENVIRONMENT_REQUIREMENTS',
    'getEnvironmentRequirements', 'validateSecurity', 'deployWithSecurity', 'generateSecureKey',
    'handleDeploymentError', 'generateConfiguration',
  ],
  './cli-helpers.cjs': [
    'StandardOptions', 'OutputFormatter', 'ConfigLoader', 'ServiceConfigManager',
  ],
  './framework.cjs': [
    'createService', 'FRAMEWORK_NAME', 'FRAMEWORK_VERSION', 'initializeFramework', 'createLogger',
    'validateServiceName', 'validateDomainName', 'validateCloudflareToken', 'validateCloudflareId',
    'validateServiceType', 'validateEnvironment', 'validateFeatures', 'createDefaultDomainConfig', 'checkHealth',
    'isUrlAccessible', 'healthCheckWithBackoff', 'verifyWorkerDeployment', 'classifyError', 'getRecoverySuggestions',
    'ServiceOrchestrator', 'InputCollector', 'InteractiveDeploymentCoordinator', 'Clodo', 'deploy', 'validate',
    'initialize', 'getInfo',
  ],
}

const loaded = {}
const load = (file) => (loaded[file] ??= require(file))

for (const [file, names] of Object.entries(owners)) {
  for (const name of names) {
    // Read once, the name becomes a plain property (assignable, as before).
    const settle = (value) => Object.defineProperty(module.exports, name, { value, writable: true, enumerable: true, configurable: true })
    Object.defineProperty(module.exports, name, {
      enumerable: true,
      configurable: true,
      get: () => (settle(load(file)[name]), module.exports[name]),
      set: settle,
    })
  }
}

// The names, for `import`: Node finds them in this assignment, which never runs.
0 && (module.exports = {
  cloudflarePutSecret, cloudflareDatabaseId, cloudflareExecuteSql, cloudflareListSecrets,
  cloudflareListWorkers, cloudflareDeleteSecret, cloudflareDeployWorker, cloudflareListDatabases,
  cloudflareCreateDatabase, cloudflareDeleteDatabase, secretConfigs, generateSecrets, generateSingleSecret,
  createService, createUnifiedConfigManager, runCli, ErrorCode, errorCodes, securityRules,
  CloudflareAPI, RollbackManager, ServiceCreator, WranglerConfigManager, UnifiedConfigManager,
  DomainDiscovery, DeploymentValidator, CrossDomainCoordinator, ProductionTester, DatabaseOrchestrator,
  SecretGenerator, EnhancedSecretManager, ConfigurationValidator, ConfigurationCacheManager,
  MultiDomainOrchestrator, DeploymentAuditor, __napiBindingTarget, CloudflareApiClass, keepCloudflareToken,
  storedCloudflareToken, storedCloudflareTokens, forgetCloudflareToken,
  createDomainConfigSchema, domainConfigProblems, validateDomainConfig, deepMerge, validateRequired,
  mergeDomainConfigs, createDomainRegistry, getDomainFromEnv, createEnvironmentConfig, FeatureFlagManager,
  featureManager, FEATURES, CustomerConfigurationManager, customerConfigManager, createCustomer,
  validateCustomerConfigs, showCustomerConfig, getCustomerDeployCommand, initializeService,
  createFeatureGuard, createRouteGuard, createEnvironmentGuard, createRateLimitGuard, createCorsMiddleware,
  createErrorHandler, checkDatabase, COMMON_FEATURES, configManager, composeMiddleware, createBearerAuth,
  createApiKeyAuth, withMiddleware, SECRET_CONFIGS,
  unifiedConfigManager, askUser, askYesNo, askChoice, closePrompts, DeploymentCredentialCollector,
  formatZonesForDisplay, parseZoneSelection, checkAuth, authenticate, storeCloudflareToken,
  getCloudflareToken, listWorkers, workerExists, deployWorker, deploySecret, deleteSecret, listSecrets,
  listDatabases, databaseExists, createDatabase, deleteDatabase, runMigrations, executeSql,
  getDatabaseId, validatePrerequisites, BaseDeploymentOrchestrator, SingleServiceOrchestrator,
  PortfolioOrchestrator, UnifiedDeploymentOrchestrator, SecurityCLI, INSECURE_PATTERNS,
  ENVIRONMENT_REQUIREMENTS, getEnvironmentRequirements, validateSecurity, deployWithSecurity,
  generateSecureKey, handleDeploymentError, generateConfiguration, StandardOptions, OutputFormatter,
  ConfigLoader, ServiceConfigManager, FRAMEWORK_NAME, FRAMEWORK_VERSION, initializeFramework,
  createLogger, validateServiceName, validateDomainName, validateCloudflareToken, validateCloudflareId,
  validateServiceType, validateEnvironment, validateFeatures, createDefaultDomainConfig, checkHealth,
  isUrlAccessible, healthCheckWithBackoff, verifyWorkerDeployment, classifyError, getRecoverySuggestions,
  ServiceOrchestrator, InputCollector, InteractiveDeploymentCoordinator, Clodo, deploy, validate,
  initialize, getInfo,
})
