// Types of clodo/worker (the in-worker helpers; see index.mjs).
import type { DomainConfig, FeatureFlagManager } from '../js/domain-config'
export type { DomainConfig } from '../js/domain-config'
export { createDomainConfigSchema, domainConfigProblems, validateDomainConfig, getDomainFromEnv, createEnvironmentConfig, FeatureFlagManager, featureManager } from '../js/domain-config'
export interface ServiceContext {
  domain: string
  environment: string
  service?: string
  database?: string
  features: string[]
  config: DomainConfig & { currentDomain?: string }
  env: Record<string, unknown>
  isProduction: boolean
  isStaging: boolean
  isDevelopment: boolean
}
export declare function initializeService(env: Record<string, unknown>, domainConfigs?: Record<string, DomainConfig>): ServiceContext
type Handler = (request: Request, env: any, ctx: any) => Response | Promise<Response>
export declare function createFeatureGuard(featureName: string, options?: { fallbackResponse?: Response | null, manager?: FeatureFlagManager }): (handler: Handler) => Handler
export declare function composeMiddleware(...middlewares: Array<(handler: Handler) => Handler>): (handler: Handler) => Handler
export declare function checkDatabase(db: unknown, table: string): Promise<{ ready: true, rows: number } | { ready: false, reason: string }>
export declare const COMMON_FEATURES: Readonly<Record<string, boolean>>
export declare const configManager: { setDomain(domainConfig: DomainConfig): void; getEnabledFeatures(): string[]; isFeatureEnabled(feature: string): boolean }
export declare function createRouteGuard(routeConfig?: Record<string, boolean>, options?: { manager?: FeatureFlagManager }): (handler: Handler) => Handler
export declare function createEnvironmentGuard(allowedEnvironments?: string[]): (handler: Handler) => Handler
export declare function createRateLimitGuard(options?: { windowMs?: number, maxRequests?: number, skipSuccessfulRequests?: boolean, skipFailedRequests?: boolean }): (handler: Handler) => Handler
export declare function createCorsMiddleware(options?: { origins?: string[], methods?: string[], headers?: string[], credentials?: boolean, maxAge?: number }): (handler: Handler) => Handler
export declare function createBearerAuth(options?: { secret?: string, exempt?: string[] }): (handler: Handler) => Handler
export declare function createApiKeyAuth(options?: { secret?: string, header?: string, exempt?: string[] }): (handler: Handler) => Handler
export declare function withMiddleware<W extends { fetch: Handler }>(worker: W, ...middlewares: Array<(handler: Handler) => Handler>): W
export declare function createErrorHandler(options?: { includeStack?: boolean, logErrors?: boolean, transformError?: ((error: unknown, body: Record<string, unknown>) => Record<string, unknown>) | null }): (handler: Handler) => Handler
