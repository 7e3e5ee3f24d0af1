// clodo/config/customers: the original's CustomerConfigurationManager on clodo's
// customer records (atomic, locked, 0600 writes; a record is never overwritten
// by onboarding). Its configDir defaults to <cwd>/config, not a folder inside
// node_modules as the original's did.
'use strict'

const { existsSync, readdirSync, statSync } = require('node:fs')
const { join, resolve } = require('node:path')
const { UnifiedConfigManager } = require('./native.cjs')
const { createDomainConfigSchema, validateDomainConfig, createDomainRegistry } = require('./domain-config.cjs')

const PLACEHOLDER_ID = '0'.repeat(32)

function coded(message, code) {
  const error = new Error(message)
  error.code = code
  return error
}

class CustomerConfigurationManager {
  constructor(options = {}) {
    this.configDir = resolve(options.configDir ?? join(process.cwd(), 'config'))
    this.environments = options.environments ?? ['development', 'staging', 'production']
    this.domainRegistry = createDomainRegistry({})
    this.customers = new Map()
    this.records = new UnifiedConfigManager({ configDir: join(this.configDir, 'customers') })
  }

  /** Onboards a customer: its domain configuration, and a record per environment from `customers/template/<env>.env.template`. */
  async createCustomer(customerName, domain = null, options = {}) {
    const domainConfig = this.createCustomerDomainConfig(customerName, domain, options)
    validateDomainConfig(domainConfig)
    const files = {}
    for (const environment of this.environments) {
      files[environment] = await this.createCustomerEnvironment(customerName, environment, domain, options)
    }
    this.registerDomain(customerName, domainConfig)
    this.customers.set(customerName, { name: customerName, domain, createdAt: new Date().toISOString(), environments: this.environments, ...options })
    return { ...this.getCustomerInfo(customerName), files }
  }

  /** The customer's domain configuration; the all-zero account and zone ids stand for "not onboarded yet". */
  createCustomerDomainConfig(customerName, domain, options = {}) {
    const base = createDomainConfigSchema()
    const domains = this.getEnvironmentDomains(customerName, domain)
    const config = {
      ...base,
      name: customerName,
      displayName: options.displayName ?? this.capitalizeFirst(customerName),
      accountId: options.accountId ?? PLACEHOLDER_ID,
      zoneId: options.zoneId ?? PLACEHOLDER_ID,
      domains,
      features: { customerIsolation: true, customDomain: Boolean(domain), multiEnvironment: true, ...options.features },
      settings: { ...base.settings, customerName, customerDomain: domain, ...options.settings },
    }
    if (!options.skipValidation && options.accountId && options.zoneId) validateDomainConfig(config)
    return config
  }

  /** One environment's record from its template: `{ status: 'created' | 'exists' | 'no-template', path }`. */
  async createCustomerEnvironment(customerName, environment, domain, _options = {}) {
    const template = join(this.configDir, 'customers', 'template', `${environment}.env.template`)
    const domains = this.getEnvironmentDomains(customerName, domain)
    return this.records.createFromTemplate(customerName, environment, template, domain ?? `${customerName}.com`, domains[environment] ?? domains.production)
  }

  getEnvironmentDomains(customerName, domain) {
    const base = domain || `${customerName}.com`
    return { production: base, staging: `staging.${base}`, development: `dev.${base}` }
  }

  /** Base files, environment configs and every customer's records: `{ valid, errors }`. */
  async validateConfigs() {
    const errors = []
    for (const file of ['wrangler.base.toml', 'variables.base.env']) {
      if (!existsSync(join(this.configDir, 'base', file))) errors.push(`Missing base config: ${file}`)
    }
    for (const environment of this.environments) {
      if (!existsSync(join(this.configDir, 'environments', `${environment}.toml`))) errors.push(`Missing environment config: ${environment}.toml`)
    }
    for (const customer of this.getCustomerDirectories()) {
      errors.push(...this.customerProblems(customer))
    }
    return { valid: errors.length === 0, errors }
  }

  /** Whether the customer has a record for every environment and (once onboarded) a valid domain configuration. */
  async validateCustomerConfig(customerName) {
    return this.customerProblems(customerName).length === 0
  }

  customerProblems(customerName) {
    const problems = this.environments
      .filter((environment) => !existsSync(join(this.configDir, 'customers', customerName, `${environment}.env`)))
      .map((environment) => `Missing ${environment}.env for customer ${customerName}`)
    const config = this.domainRegistry.list().includes(customerName) ? this.domainRegistry.get(customerName) : null
    if (config && !config.settings?.isFrameworkMode) {
      try {
        validateDomainConfig(config)
      } catch (error) {
        problems.push(`Invalid domain config for ${customerName}: ${error.message}`)
      }
    }
    return problems
  }

  /** The effective configuration: domain configuration, base and customer variables, features. */
  showConfig(customerName, environment) {
    let domain
    if (this.domainRegistry.list().includes(customerName)) domain = this.domainRegistry.get(customerName)
    else if (this.customers.has(customerName)) domain = this.createCustomerDomainConfig(customerName, this.customers.get(customerName).domain, { skipValidation: true })
    else throw coded(`Customer not found: ${customerName}`, 'E_NOT_FOUND')
    const variables = {}
    const base = this.parseEnvFile(join(this.configDir, 'base', 'variables.base.env'))
    if (base) variables.base = base
    const customer = this.parseEnvFile(join(this.configDir, 'customers', customerName, `${environment}.env`))
    if (customer) variables.customer = customer
    return { customer: customerName, environment, domain, variables, features: domain.features ?? {} }
  }

  /** The wrangler command line for a customer's environment (to read; clodo runs argv, not this text). */
  getDeployCommand(customerName, environment) {
    const commands = {
      development: 'wrangler dev --config config/environments/development.toml',
      staging: 'wrangler deploy --config config/environments/staging.toml --env staging',
      production: 'wrangler deploy --env production',
    }
    if (!commands[environment]) throw coded(`Unknown environment: ${environment}`, 'E_INVALID_INPUT')
    return { command: commands[environment], customer: customerName, environment, configPath: `config/customers/${customerName}/${environment}.env` }
  }

  getCustomerInfo(customerName) {
    if (!this.domainRegistry.list().includes(customerName) && !this.customers.has(customerName)) throw coded(`Customer not found: ${customerName}`, 'E_NOT_FOUND')
    const domainConfig = this.domainRegistry.list().includes(customerName) ? this.domainRegistry.get(customerName) : undefined
    return { ...this.customers.get(customerName), domainConfig, configPath: join(this.configDir, 'customers', customerName) }
  }

  listCustomers() {
    return [...this.customers.keys()].map((name) => ({ name, ...this.getCustomerInfo(name) }))
  }

  /** Registers every customer folder with what its production record says (CUSTOMER_DOMAIN or DOMAIN, CUSTOMER_ID). */
  async loadExistingCustomers() {
    for (const customer of this.getCustomerDirectories()) {
      const production = this.parseEnvFile(join(this.configDir, 'customers', customer, 'production.env')) ?? {}
      const domain = (production.CUSTOMER_DOMAIN ?? production.DOMAIN ?? '').replace(/^https?:\/\//, '') || undefined
      const metadata = { name: customer, createdAt: new Date().toISOString(), environments: this.environments, domain, customerDomain: domain }
      if (production.CUSTOMER_ID) metadata.customerId = production.CUSTOMER_ID
      if (production.CLOUDFLARE_ACCOUNT_ID) metadata.accountId = production.CLOUDFLARE_ACCOUNT_ID
      this.customers.set(customer, metadata)
      const config = this.createCustomerDomainConfig(customer, domain, { skipValidation: true, accountId: metadata.accountId })
      config.settings.isFrameworkMode = true
      try {
        this.registerDomain(customer, config)
      } catch (error) {
        console.warn(`[CustomerConfig] ${customer} is listed without a domain configuration: ${error.message}`)
      }
    }
    return this.listCustomers()
  }

  /** Customer folders under `<configDir>/customers` (the template folder is not one). */
  getCustomerDirectories() {
    const dir = join(this.configDir, 'customers')
    if (!existsSync(dir)) return []
    return readdirSync(dir).filter((name) => name !== 'template' && statSync(join(dir, name)).isDirectory())
  }

  /** A `.env` file's variables (`null` when it does not exist), read as customer records are. */
  parseEnvFile(filePath) {
    return this.records.readEnvFile(filePath)
  }

  capitalizeFirst(text) {
    return text ? text[0].toUpperCase() + text.slice(1) : text
  }

  /** Registers (or replaces) a customer's domain configuration, checked. */
  registerDomain(name, config) {
    if (this.domainRegistry.list().includes(name)) this.domainRegistry.remove(name)
    this.domainRegistry.add(name, config)
  }
}

const customerConfigManager = new CustomerConfigurationManager()

exports.CustomerConfigurationManager = CustomerConfigurationManager
exports.customerConfigManager = customerConfigManager
exports.createCustomer = (name, domain, options) => customerConfigManager.createCustomer(name, domain, options)
exports.validateCustomerConfigs = () => customerConfigManager.validateConfigs()
exports.showCustomerConfig = (customer, environment) => customerConfigManager.showConfig(customer, environment)
exports.getCustomerDeployCommand = (customer, environment) => customerConfigManager.getDeployCommand(customer, environment)
