// Types of clodo/config/customers.
import type { DomainConfig, DomainRegistry } from './domain-config'
import type { UnifiedConfigManager } from '../index'

export type TemplateResult = { status: 'created' | 'exists' | 'no-template'; path: string }
export interface CustomerInfo {
  name?: string
  domain?: string | null
  createdAt?: string
  environments?: string[]
  domainConfig?: DomainConfig
  configPath: string
  [field: string]: unknown
}
export declare class CustomerConfigurationManager {
  /** Default `<cwd>/config`; records are in `<configDir>/customers/<customer>/<environment>.env`. */
  constructor(options?: { configDir?: string; environments?: string[] })
  configDir: string
  environments: string[]
  domainRegistry: DomainRegistry
  customers: Map<string, Record<string, unknown>>
  records: UnifiedConfigManager
  createCustomer(customerName: string, domain?: string | null, options?: { displayName?: string; accountId?: string; zoneId?: string; features?: Record<string, boolean>; settings?: Record<string, unknown>; skipValidation?: boolean }): Promise<CustomerInfo & { files: Record<string, TemplateResult> }>
  createCustomerDomainConfig(customerName: string, domain?: string | null, options?: Record<string, unknown>): DomainConfig
  createCustomerEnvironment(customerName: string, environment: string, domain?: string | null, options?: Record<string, unknown>): Promise<TemplateResult>
  getEnvironmentDomains(customerName: string, domain?: string | null): { production: string; staging: string; development: string }
  validateConfigs(): Promise<{ valid: boolean; errors: string[] }>
  validateCustomerConfig(customerName: string): Promise<boolean>
  showConfig(customerName: string, environment: string): { customer: string; environment: string; domain: DomainConfig; variables: { base?: Record<string, string>; customer?: Record<string, string> }; features: Record<string, boolean> }
  getDeployCommand(customerName: string, environment: string): { command: string; customer: string; environment: string; configPath: string }
  getCustomerInfo(customerName: string): CustomerInfo
  listCustomers(): Array<CustomerInfo & { name: string }>
  loadExistingCustomers(): Promise<Array<CustomerInfo & { name: string }>>
  getCustomerDirectories(): string[]
  parseEnvFile(filePath: string): Record<string, string> | null
  capitalizeFirst(text: string): string
}
export declare const customerConfigManager: CustomerConfigurationManager
export declare function createCustomer(name: string, domain?: string | null, options?: Record<string, unknown>): ReturnType<CustomerConfigurationManager['createCustomer']>
export declare function validateCustomerConfigs(): Promise<{ valid: boolean; errors: string[] }>
export declare function showCustomerConfig(customer: string, environment: string): ReturnType<CustomerConfigurationManager['showConfig']>
export declare function getCustomerDeployCommand(customer: string, environment: string): ReturnType<CustomerConfigurationManager['getDeployCommand']>
