// Types of the package root (see root.cjs).
export * from '../index'
export * from './config'
export * from './utils-deployment'
export * from './utils-cloudflare'
export * from './deployment'
export * from './cli-helpers'
export * from './framework'
// Both declare createService: the root's takes either form.
export { createService } from './framework'
export {
  createFeatureGuard, createRouteGuard, createEnvironmentGuard, createRateLimitGuard, createCorsMiddleware, createErrorHandler,
  composeMiddleware, initializeService, checkDatabase, COMMON_FEATURES, configManager, createBearerAuth, createApiKeyAuth,
  withMiddleware,
} from '../worker/index'
export { SecurityCLI, INSECURE_PATTERNS, ENVIRONMENT_REQUIREMENTS, getEnvironmentRequirements, handleDeploymentError } from './security'
