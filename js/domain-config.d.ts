// Types of the domain-configuration helpers shared by clodo/config and clodo/worker.
export interface DomainConfig {
  name: string
  displayName?: string
  accountId?: string
  zoneId?: string
  domains: { production?: string; staging?: string; development?: string; [environment: string]: string | undefined }
  services?: Record<string, unknown>
  databases?: Record<string, unknown>
  features?: Record<string, boolean>
  settings?: Record<string, unknown>
}
export declare function createDomainConfigSchema(): Required<DomainConfig>
export declare function domainConfigProblems(config: unknown): string[]
/** Throws an Error (`code` E_INVALID_INPUT, `problems`) naming every problem; true otherwise. */
export declare function validateDomainConfig(config: unknown): true
export declare function deepMerge<T extends object, S extends object>(target: T, source: S): T & S
/** Throws `Missing required fields: a, b`. */
export declare function validateRequired(object: Record<string, unknown>, requiredFields: string[]): void
export declare function mergeDomainConfigs(baseConfig: DomainConfig, serviceConfig: Partial<DomainConfig>): DomainConfig
export interface DomainRegistry {
  get(name: string): DomainConfig
  list(): string[]
  validateAll(): void
  add(name: string, config: DomainConfig): void
  remove(name: string): void
}
export declare function createDomainRegistry(domainConfigs?: Record<string, DomainConfig>): DomainRegistry
export declare function getDomainFromEnv(env: Record<string, unknown>, domainConfigs?: Record<string, DomainConfig>): DomainConfig
export declare function createEnvironmentConfig(baseConfig: DomainConfig, environment?: string): DomainConfig & { currentDomain?: string }
export declare class FeatureFlagManager {
  constructor(features?: Record<string, boolean>)
  features: Map<string, boolean>
  setAll(features?: Record<string, boolean>): void
  isEnabled(feature: string): boolean
  enable(feature: string): void
  disable(feature: string): void
  withFeature<T>(feature: string, enhanced: () => T, legacy?: (() => T) | null): T | undefined
  getAllFeatures(): Record<string, { enabled: boolean }>
  getEnabledFeatures(): string[]
}
export declare const featureManager: FeatureFlagManager
export declare const FEATURES: Readonly<Record<string, string>>
