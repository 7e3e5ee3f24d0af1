import { SecretConfig, UnifiedConfigManager } from '../index'
export { WranglerConfigManager, EnhancedSecretManager, generateSecrets, generateSingleSecret, ConfigurationCacheManager, UnifiedConfigManager } from '../index'
/** The standard secrets with their lengths, as the original exported. */
export declare const SECRET_CONFIGS: Record<string, SecretConfig>
/** A shared manager for `<cwd>/config/customers`, as the original exported. */
export declare const unifiedConfigManager: UnifiedConfigManager
/** On a terminal only: without one these reject with E_NOT_INTERACTIVE. */
export declare function askUser(question: string, defaultValue?: string | null): Promise<string | null>
export declare function askYesNo(question: string, defaultValue?: 'y' | 'n' | string): Promise<boolean>
export declare function askChoice(question: string, choices: string[], defaultIndex?: number): Promise<number>
export declare function closePrompts(): void
export interface CollectedCredentials {
  token: string
  accountId: string
  accountName?: string
  zoneId: string
  zoneName: string | null
  cloudflareSettings?: { token: string, accountId: string, accountName?: string, zoneId: string, zoneName: string | null }
}
export declare class DeploymentCredentialCollector {
  constructor(options?: { servicePath?: string, quiet?: boolean })
  servicePath: string
  quiet: boolean
  /** Given, from the environment, else asked on a terminal and looked up through the API. Rejects E_AUTH for a refused token. */
  collectCredentials(options?: { token?: string, accountId?: string, zoneId?: string, checkAuth?: boolean, checkNetwork?: boolean }): Promise<CollectedCredentials>
  promptForToken(): Promise<string>
  fetchAccountId(api: import('../index').CloudflareAPI): Promise<{ id: string, name: string }>
  fetchZoneId(api: import('../index').CloudflareAPI): Promise<{ id: string, name: string }>
  cleanup(): void
  displayPrerequisites(options?: { checkAuth?: boolean, checkNetwork?: boolean }): Promise<import('./utils-cloudflare').PrerequisiteCheck[]>
  displayCredentialStatus(credentials: Partial<CollectedCredentials>, options?: Record<string, unknown>): void
  getCredentialSource(key: 'token' | 'accountId' | 'zoneId', value: unknown, flagValue: unknown): string
}
