// Types of the command-line helpers (see cli-helpers.cjs).
export interface OptionSpec { flags: string, description: string, type: 'boolean' | 'string', default: boolean | string | null }
export declare class StandardOptions {
  static define<C extends { option(flags: string, description: string): C }>(command: C): C
  static getOptions(): Record<'verbose' | 'quiet' | 'json' | 'noColor' | 'configFile', OptionSpec>
  static validate(options?: Record<string, unknown>): { valid: boolean, errors: string[] }
  static getDisplayName(key: string): string
  static isProvided(options: Record<string, unknown>, key: string): boolean
}
export interface OutputOptions { quiet?: boolean, verbose?: boolean, json?: boolean, noColor?: boolean }
export declare class OutputFormatter {
  constructor(options?: OutputOptions)
  quiet: boolean
  verbose: boolean
  json: boolean
  noColor: boolean
  success(message: string, data?: Record<string, unknown>): void
  error(message: string, data?: Record<string, unknown>): void
  warning(message: string, data?: Record<string, unknown>): void
  info(message: string, data?: Record<string, unknown>): void
  section(title: string): void
  list(title: string, items?: unknown[], options?: { indent?: string, symbol?: string }): void
  table(rows?: Record<string, unknown>[], columns?: string[]): void
  progress(message: string, data?: { percent?: number } & Record<string, unknown>): void
  debug(message: string, data?: Record<string, unknown>): void
  clear(): void
  getBuffer(): string
}
export declare class ConfigLoader {
  constructor(options?: OutputOptions)
  load(filePath: string, requiredFields?: string[]): Record<string, any>
  loadSafe<T>(filePath: string, defaultConfig?: T): Record<string, any> | T
  validate(config: unknown, requiredFields?: string[]): { valid: true, errors: string[] }
  merge(configFile: Record<string, any> | null | undefined, cliOptions: Record<string, any> | null | undefined): Record<string, any>
  deepClone<T>(value: T): T
  deepMergeInto(target: Record<string, any>, source: Record<string, any>): void
  substituteEnvironmentVariables<T>(config: T): T
  get(config: Record<string, any>, path: string, defaultValue?: unknown): any
  getAll(config: Record<string, any>, prefix?: string): Record<string, unknown>
  loadMultiple(filePaths: string[], defaultConfig?: Record<string, any>): Record<string, any>
  redactSensitive<T>(config: T, sensitiveFields?: string[]): T
}
export declare class ServiceConfigManager {
  constructor(options?: OutputOptions & { showSources?: boolean })
  configLoader: ConfigLoader
  loadServiceConfig(servicePath: string, cliOptions?: Record<string, any>, commandDefaults?: Record<string, any>): Promise<Record<string, any>>
  loadFrameworkDefaults(): Record<string, any>
  loadServiceConfigFile(servicePath: string): Promise<Record<string, any> | null>
  loadCwdConfigFile(): Record<string, any> | null
  deepMerge(target: Record<string, any>, source: Record<string, any>): Record<string, any>
  displayConfigSources(sources: Array<{ name: string, path: string }>): void
  validateServicePath(servicePath: string): Promise<true>
}
