// The original's helpers for scripts with a command line of their own:
// StandardOptions (the shared flags), OutputFormatter (quiet / verbose / JSON
// output), ConfigLoader (JSON configuration files) and ServiceConfigManager
// (layered validation-config.json files). Plain JavaScript: they print and
// read files, nothing more.
'use strict'

const { existsSync, readFileSync } = require('node:fs')
const { join, resolve } = require('node:path')

function coded(message, code) {
  return Object.assign(new Error(message), { code })
}

const OPTIONS = {
  verbose: { flags: '-v, --verbose', description: 'Verbose output with debug information', type: 'boolean', default: false },
  quiet: { flags: '-q, --quiet', description: 'Minimal output (only errors and warnings)', type: 'boolean', default: false },
  json: { flags: '--json', description: 'Output results as JSON (machine-parseable format)', type: 'boolean', default: false },
  noColor: { flags: '--no-color', description: 'Disable colored output', type: 'boolean', default: true },
  configFile: { flags: '--config-file <path>', description: 'Load configuration defaults from JSON file', type: 'string', default: null },
}

/** The flags every command of a script shares, for commander-style `command.option(flags, description)`. */
class StandardOptions {
  static define(command) {
    return Object.values(OPTIONS).reduce((cmd, o) => cmd.option(o.flags, o.description), command)
  }

  static getOptions() {
    return structuredClone(OPTIONS)
  }

  /** `{ valid, errors }`: --quiet with --verbose, or a config file that does not exist. */
  static validate(options = {}) {
    const errors = []
    if (options && typeof options === 'object') {
      if (options.quiet && options.verbose) errors.push('Cannot use both --quiet and --verbose flags simultaneously')
      if (options.configFile && !existsSync(options.configFile)) errors.push(`Config file not found: ${options.configFile}`)
    }
    return { valid: errors.length === 0, errors }
  }

  static getDisplayName(key) {
    const special = { json: 'JSON', noColor: 'No Color', configFile: 'Config File' }
    if (special[key]) return special[key]
    const words = key.replace(/([A-Z])/g, ' $1').trim()
    return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase()
  }

  static isProvided(options, key) {
    return options[key] !== undefined && options[key] !== null
  }
}

const paint = (code, text, on) => (on ? `\x1b[${code}m${text}\x1b[0m` : text)

/** Messages that honour --quiet, --verbose, --json and --no-color (and NO_COLOR). */
class OutputFormatter {
  constructor(options = {}) {
    this.quiet = options.quiet ?? false
    this.verbose = options.verbose ?? false
    this.json = options.json ?? false
    this.noColor = options.noColor ?? false
    this.buffer = []
  }

  get color() {
    return !this.noColor && !process.env.NO_COLOR && process.stdout.isTTY === true
  }

  emit(type, message, data, line, stream = console.log) {
    this.buffer.push(`${type}: ${message}`)
    if (this.json) {
      console.log(JSON.stringify({ type, message, ...data, timestamp: new Date().toISOString() }))
      return
    }
    stream(line)
    if (this.verbose && data && Object.keys(data).length > 0) console.log(JSON.stringify(data, null, 2))
  }

  success(message, data = {}) {
    if (!this.quiet) this.emit('success', message, data, paint(32, `✓ ${message}`, this.color))
  }

  error(message, data = {}) {
    this.emit('error', message, data, paint(31, `✗ Error: ${message}`, this.color), console.error)
  }

  warning(message, data = {}) {
    if (!this.quiet) this.emit('warning', message, data, paint(33, `⚠ Warning: ${message}`, this.color))
  }

  info(message, data = {}) {
    if (!this.quiet) this.emit('info', message, data, paint(34, `ℹ ${message}`, this.color))
  }

  section(title) {
    if (!this.quiet) this.emit('section', title, {}, `\n${paint(36, `═══ ${title} ═══`, this.color)}\n`)
  }

  list(title, items = [], { indent = '  ', symbol = '•' } = {}) {
    if (this.quiet) return
    const lines = [title ? `${title}:` : null, ...items.map((item) => `${indent}${symbol} ${item}`)].filter((l) => l !== null)
    this.emit('list', title, { items }, lines.join('\n'))
  }

  table(rows = [], columns = []) {
    if (this.quiet || rows.length === 0) return
    const headers = columns.length > 0 ? columns : Object.keys(rows[0])
    const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h] ?? '').length)))
    const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')
    const text = [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map((r) => line(headers.map((h) => r[h] ?? '')))].join('\n')
    this.emit('table', 'Data Table', { rows, columns: headers }, text)
  }

  progress(message, data = {}) {
    if (this.quiet) return
    const filled = Math.round((data.percent ?? 0) / 5)
    const line = data.percent === undefined ? `→ ${message}` : `${message} [${'█'.repeat(filled)}${'░'.repeat(20 - filled)}] ${data.percent}%`
    this.emit('progress', message, data, line)
  }

  debug(message, data = {}) {
    if (this.verbose && !this.quiet) this.emit('debug', message, data, paint(90, `[DEBUG] ${message}`, this.color))
  }

  clear() {
    this.buffer = []
  }

  getBuffer() {
    return this.buffer.join('\n')
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

/** JSON configuration files: load, check required fields, merge with flags, `${VAR}` substitution, redaction. */
class ConfigLoader {
  constructor(options = {}) {
    this.verbose = options.verbose ?? false
    this.quiet = options.quiet ?? false
    this.json = options.json ?? false
  }

  load(filePath, requiredFields = []) {
    const path = resolve(filePath)
    if (!existsSync(path)) throw coded(`Configuration file not found: ${path}`, 'E_CONFIG_NOT_FOUND')
    let config
    try {
      config = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw coded(`Invalid JSON in configuration file: ${error.message}`, 'E_CONFIG_PARSE')
    }
    if (requiredFields.length > 0) this.validate(config, requiredFields)
    if (this.verbose && !this.quiet) console.log(`Loaded configuration from: ${path}`)
    return config
  }

  loadSafe(filePath, defaultConfig = {}) {
    try {
      return this.load(filePath)
    } catch {
      return defaultConfig
    }
  }

  /** Throws `Configuration validation failed: Missing required field: x, …`; else `{ valid: true, errors: [] }`. */
  validate(config, requiredFields = []) {
    if (!isObject(config)) throw coded('Configuration validation failed: Configuration must be an object', 'E_INVALID_INPUT')
    const errors = requiredFields.filter((f) => !config[f]).map((f) => `Missing required field: ${f}`)
    if (errors.length > 0) throw coded(`Configuration validation failed: ${errors.join(', ')}`, 'E_INVALID_INPUT')
    return { valid: true, errors }
  }

  /** File values overridden by the flags that were given (undefined, null and '' are not given). */
  merge(configFile, cliOptions) {
    if (!isObject(configFile)) return cliOptions ?? {}
    if (!isObject(cliOptions)) return configFile
    const merged = this.deepClone(configFile)
    this.deepMergeInto(merged, cliOptions)
    return merged
  }

  deepClone(value) {
    return structuredClone(value)
  }

  deepMergeInto(target, source) {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (value === undefined || value === null || value === '') continue
      if (isObject(value)) {
        if (!isObject(target[key])) target[key] = {}
        this.deepMergeInto(target[key], value)
      } else {
        target[key] = value
      }
    }
  }

  /** `${NAME}` in any string value becomes the environment variable (kept as written when unset). */
  substituteEnvironmentVariables(config) {
    const substitute = (value) => {
      if (typeof value === 'string') return value.replace(/\$\{([^}]+)\}/g, (text, name) => process.env[name] || text)
      if (Array.isArray(value)) return value.map(substitute)
      if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]))
      return value
    }
    return substitute(config)
  }

  get(config, path, defaultValue = null) {
    let current = config
    for (const key of path.split('.')) {
      if (!isObject(current) || !(key in current)) return defaultValue
      current = current[key]
    }
    return current
  }

  getAll(config, prefix = '') {
    const flat = {}
    for (const [key, value] of Object.entries(isObject(config) ? config : {})) {
      const name = prefix ? `${prefix}.${key}` : key
      if (isObject(value)) Object.assign(flat, this.getAll(value, name))
      else flat[name] = value
    }
    return flat
  }

  loadMultiple(filePaths, defaultConfig = {}) {
    return filePaths.reduce((merged, path) => ({ ...merged, ...this.loadSafe(path, {}) }), { ...defaultConfig })
  }

  redactSensitive(config, sensitiveFields = ['token', 'password', 'secret', 'key', 'apikey']) {
    const sensitive = new Set(sensitiveFields.map((f) => f.toLowerCase()))
    const redact = (value) =>
      isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sensitive.has(k.toLowerCase()) ? '***REDACTED***' : redact(v)])) : value
    return redact(config)
  }
}

/**
 * A command's settings from layered `validation-config.json` files: the
 * command's defaults, then `<cwd>/config/`, the service's, the working
 * folder's, an explicit `--config-file`, then the flags; `${VAR}` substituted.
 */
class ServiceConfigManager {
  constructor(options = {}) {
    this.configLoader = new ConfigLoader(options)
    this.verbose = options.verbose ?? false
    this.quiet = options.quiet ?? false
    this.json = options.json ?? false
    this.showSources = options.showSources ?? false
  }

  async loadServiceConfig(servicePath, cliOptions = {}, commandDefaults = {}) {
    const sources = [
      { name: 'Framework Defaults', path: join(process.cwd(), 'config', 'validation-config.json'), config: this.loadFrameworkDefaults() },
      { name: 'Service Config', path: servicePath && join(servicePath, 'validation-config.json'), config: await this.loadServiceConfigFile(servicePath) },
      { name: 'Current Directory Config', path: join(process.cwd(), 'validation-config.json'), config: this.loadCwdConfigFile() },
      { name: 'Explicit Config File', path: cliOptions.configFile, config: cliOptions.configFile ? this.configLoader.loadSafe(cliOptions.configFile, null) : null },
    ].filter((s) => s.config && Object.keys(s.config).length > 0)
    if (this.showSources) this.displayConfigSources(sources)
    let merged = sources.reduce((acc, s) => this.deepMerge(acc, s.config), { ...commandDefaults })
    if (!this.showSources) merged = this.deepMerge(merged, cliOptions)
    return this.configLoader.substituteEnvironmentVariables(merged)
  }

  loadFrameworkDefaults() {
    return this.configLoader.loadSafe(join(process.cwd(), 'config', 'validation-config.json'), {})
  }

  async loadServiceConfigFile(servicePath) {
    if (!servicePath) return null
    const path = join(servicePath, 'validation-config.json')
    if (!existsSync(path)) return null
    try {
      return this.configLoader.load(path)
    } catch (error) {
      if (!this.quiet) console.warn(`Failed to load service config from ${path}: ${error.message}; using the defaults instead.`)
      return null
    }
  }

  loadCwdConfigFile() {
    const path = join(process.cwd(), 'validation-config.json')
    return existsSync(path) ? this.configLoader.loadSafe(path, null) : null
  }

  deepMerge(target, source) {
    const merged = structuredClone(target ?? {})
    this.configLoader.deepMergeInto(merged, source)
    return merged
  }

  displayConfigSources(sources) {
    console.log('Configuration sources (later ones win):')
    for (const s of sources) console.log(`  ${s.name}: ${s.path}`)
  }

  /** Whether `servicePath` is a service: a folder with a wrangler config. */
  async validateServicePath(servicePath) {
    const found = ['wrangler.toml', 'wrangler.jsonc', 'wrangler.json'].some((f) => existsSync(join(servicePath, f)))
    if (!found) throw coded(`Not a service folder (no wrangler.toml, wrangler.jsonc or wrangler.json): ${resolve(servicePath)}`, 'E_CONFIG_NOT_FOUND')
    return true
  }
}

module.exports = { StandardOptions, OutputFormatter, ConfigLoader, ServiceConfigManager }
