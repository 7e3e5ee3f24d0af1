// Types of the rest of the original's root (see framework.cjs).
import type { MultiDomainOrchestratorOptions, PortfolioDeployment, ProductionTestResult, ServiceConfig, ValidationCheck } from '../index'
import type { OutputFormatter } from './cli-helpers'
import type { ServiceContext } from '../worker/index'
import type { DomainConfig } from './domain-config'

export declare const FRAMEWORK_NAME: string
export declare const FRAMEWORK_VERSION: string
export declare function initializeFramework<T>(options?: T): { version: string, name: string, options: T }
export declare function createLogger(prefix?: string): { info(...args: unknown[]): void, warn(...args: unknown[]): void, error(...args: unknown[]): void, debug(...args: unknown[]): void }
export declare function validateServiceName(name: unknown): boolean
export declare function validateDomainName(domain: unknown): boolean
export declare function validateCloudflareToken(token: unknown): boolean
export declare function validateCloudflareId(id: unknown): boolean
export declare function validateServiceType(type: unknown): boolean
export declare function validateEnvironment(env: unknown): boolean
export declare function validateFeatures(features: unknown, serviceType?: string): boolean
export declare function createDefaultDomainConfig(serviceName: string, domainName: string, environment?: string): { domains: Array<{ name: string, domain: string, accountId: string, zoneId: string, environment: string, ssl: boolean, cors: boolean }> }
export type HealthResult = { url: string, status: number, healthy: boolean, responseTime: number, data: unknown, parseError: string | null } | { url: string, error: string, healthy: false, responseTime: number }
export declare function checkHealth(url: string, timeout?: number): Promise<HealthResult>
export declare function isUrlAccessible(url: string, timeout?: number): Promise<boolean>
export declare function healthCheckWithBackoff(baseUrl: string, options?: { maxAttempts?: number, initialDelay?: number, maxDelay?: number, timeout?: number, silent?: boolean }): Promise<{ healthy: true, responseTime: number, attempts: number, status: string | null } | { healthy: false, attempts: number }>
export declare function verifyWorkerDeployment(workerName: string, credentials: { token: string, accountId: string }, options?: { maxAttempts?: number, delay?: number, silent?: boolean }): Promise<{ success: true, status: 'Active', modifiedOn: string | null, etag?: string } | { success: false, error: string }>
export type ErrorKind = 'credentials' | 'domain' | 'network' | 'bundle' | 'database' | 'unknown'
export declare function classifyError(error: { message?: string, code?: string } | string): ErrorKind
export declare function getRecoverySuggestions(kind: ErrorKind | string): string[]

export interface CoreInputs { serviceName: string, serviceType?: string, domainName: string, environment?: string, cloudflareToken?: string, cloudflareAccountId?: string, cloudflareZoneId?: string }
type CreatedService = { type: string, name: string, path: string, files: string[], domains: string[], created: true }
export declare class ServiceOrchestrator {
  constructor(options?: { interactive?: boolean, outputPath?: string })
  runInteractive(): Promise<CreatedService>
  runNonInteractive(coreInputs: CoreInputs): Promise<CreatedService>
  validateService(servicePath: string, options?: { environment?: string, exportReport?: string }): Promise<{ valid: boolean, issues: string[], warnings: string[], checks: ValidationCheck[] }>
  diagnoseService(servicePath: string, options?: { environment?: string, exportReport?: string }): Promise<{ valid: boolean, issues: string[], warnings: string[], checks: ValidationCheck[] }>
  exportValidationReport(validation: Record<string, unknown>, filePath: string): Promise<string>
  detectServicePath(): Promise<string | null>
  isServiceDirectory(dir: string): Promise<boolean>
  static create(options: { name: string, type?: string, domain: string, environment?: string, outputPath?: string, credentials?: Record<string, string> }): Promise<{ success: true, serviceName: string, outputPath: string, message: string, service: CreatedService }>
  static validate(servicePath?: string, options?: { environment?: string, exportReport?: string }): Promise<{ success: boolean, issues: string[], warnings: string[], message: string }>
}
export declare class InputCollector {
  constructor(options?: { interactive?: boolean })
  prompt(text: string, defaultValue?: string): Promise<string>
  question(text: string): Promise<string>
  collectServiceName(): Promise<string>
  collectServiceType(): Promise<string>
  collectDomainName(): Promise<string>
  collectEnvironment(): Promise<string>
  collectCloudflareToken(): Promise<string>
  collectCloudflareConfigWithDiscovery(apiToken: string): Promise<{ accountId: string, zoneId: string, domainName: string }>
  collect(): Promise<CoreInputs>
  close(): void
}
export declare class InteractiveDeploymentCoordinator {
  constructor(options?: MultiDomainOrchestratorOptions & { domain?: string, yes?: boolean, quiet?: boolean })
  output: OutputFormatter
  deploymentState: { config: Record<string, any>, validation: Record<string, any>, resources: { deployment?: PortfolioDeployment }, testing: ProductionTestResult | Record<string, never> }
  runInteractiveDeployment(): Promise<PortfolioDeployment>
  gatherDeploymentInfo(): Promise<{ domain: string, environment: string, credentials: Record<string, any> }>
  configureDatabase(): Promise<unknown>
  configureSecrets(): Promise<unknown>
  validateConfiguration(): Promise<{ valid: true }>
  showConfirmation(): Promise<true>
  executeDeployment(): Promise<PortfolioDeployment>
  runPostDeploymentTests(): Promise<ProductionTestResult | null>
}
export declare class Clodo {
  static createService(options: Parameters<typeof ServiceOrchestrator.create>[0]): ReturnType<typeof ServiceOrchestrator.create>
  static deploy(options: Parameters<typeof import('../index').MultiDomainOrchestrator.deploy>[0]): ReturnType<typeof import('../index').MultiDomainOrchestrator.deploy>
  static validate(options?: { servicePath?: string, environment?: string, exportReport?: string }): ReturnType<typeof ServiceOrchestrator.validate>
  static initialize(env: Record<string, unknown>, options?: { domainConfigs?: Record<string, DomainConfig> }): ServiceContext
  static getInfo(): { name: string, version: string, description: string, features: string[] }
}
/** The original's `createService(options)`, or clodo's `createService(type, config)`. */
export declare function createService(options: Parameters<typeof ServiceOrchestrator.create>[0]): ReturnType<typeof ServiceOrchestrator.create>
export declare function createService(type: 'generic' | 'data-service' | 'api-gateway' | 'static-site', config: ServiceConfig): Promise<CreatedService>
export declare const deploy: typeof Clodo.deploy
export declare const validate: typeof Clodo.validate
export declare const initialize: typeof Clodo.initialize
export declare const getInfo: typeof Clodo.getInfo
