// Types of clodo/security.
import type { SecurityFinding, SecurityReport, EnvironmentRequirements, MultiDomainOrchestratorOptions, PortfolioDeployment } from '../index'
export { ConfigurationValidator, SecretGenerator } from '../index'
export type { SecurityFinding, SecurityReport, EnvironmentRequirements } from '../index'

export interface DeploymentReadiness {
  ready: boolean
  customer: string
  environment: string
  domain?: string
  /** Why it may not deploy: the record's state, missing fields, security errors. */
  blockers: string[]
  warnings: string[]
  securityIssues: SecurityFinding[]
}
export interface RecordOptions {
  /** Default `<cwd>/config/customers`. */
  configDir?: string
  projectRoot?: string
}
export declare class SecurityCLI {
  constructor(options?: RecordOptions)
  validateConfiguration(customer: string, environment: string, options?: RecordOptions): Promise<{ success: boolean, customer: string, environment: string, valid?: boolean, securityIssues?: SecurityFinding[], errors?: string[], warnings?: string[], message?: string, error?: string, code?: string }>
  generateKey(type?: string, length?: number): { success: true, type: 'JWT secret' | 'API key', key: string, length: number } | { success: false, type: string, error: string, code?: string }
  /** Rejects with E_INSECURE_CONFIG (and `readiness`) when the record is not ready. */
  deployWithSecurity(customer: string, environment: string, options?: RecordOptions & MultiDomainOrchestratorOptions): Promise<{ success: boolean, customer: string, environment: string, domain: string, readiness: DeploymentReadiness, deployment: PortfolioDeployment }>
  generateSecureConfig(customer: string, environment: string): { customer: string, environment: string, secrets: Record<string, string>, generatedAt: string }
  checkDeploymentReadiness(customer: string, environment: string, options?: RecordOptions): DeploymentReadiness
  getAvailableCommands(): string[]
  getHelp(command?: string): string
}
export declare const INSECURE_PATTERNS: Readonly<{ DUMMY_API_KEYS: string[], WEAK_SECRETS: string[], DEV_URLS: string[], WEAK_JWT_PATTERNS: RegExp[], COMMON_PASSWORDS: string[] }>
export declare const ENVIRONMENT_REQUIREMENTS: Readonly<Record<'production' | 'staging' | 'development' | 'testing', EnvironmentRequirements>>
export declare function getEnvironmentRequirements(environment: string): EnvironmentRequirements
export declare function validateSecurity(config: Record<string, unknown>, environment?: string): SecurityFinding[]
export declare function deployWithSecurity(options: { customer: string, environment: string } & RecordOptions & MultiDomainOrchestratorOptions): ReturnType<SecurityCLI['deployWithSecurity']>
export declare function generateSecureKey(type?: 'api' | 'jwt', options?: { length?: number, prefix?: string }): string
export declare function handleDeploymentError(error: { message?: string, code?: string, stack?: string }, context?: Record<string, unknown>): { error: string, code: string, context: Record<string, unknown>, timestamp: string, stack?: string }
export declare function generateConfiguration<T extends Record<string, unknown>>(defaults?: T): Promise<Record<string, string> & T>
