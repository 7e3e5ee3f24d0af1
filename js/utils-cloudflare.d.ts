// Types of clodo/utils/cloudflare.
import type { CloudflareOpsOptions, D1DatabaseSummary, ZoneSummary } from '../index'
export { CloudflareAPI, DomainDiscovery } from '../index'
export type { CloudflareOpsOptions, D1DatabaseSummary, ZoneSummary } from '../index'

export interface PrerequisiteCheck {
  name: string
  required: boolean
  description: string
  minVersion?: string
  status: 'ok' | 'warning' | 'failed' | 'skipped'
  version?: string
  path?: string
  warning?: string
  error?: string
}
type StoreOptions = { servicePath?: string, secretKey?: string }
export declare function formatZonesForDisplay(zones: ZoneSummary[]): string[]
export declare function parseZoneSelection(selection: string, zones: unknown[]): number
export declare function checkAuth(options?: CloudflareOpsOptions & StoreOptions): Promise<boolean>
/** Runs `wrangler login` on this terminal; rejects with E_NOT_INTERACTIVE without one. */
export declare function authenticate(options?: CloudflareOpsOptions): Promise<void>
/** Verifies, then keeps the token in clodo's encrypted store; resolves to its fingerprint. */
export declare function storeCloudflareToken(token: string, metadata?: StoreOptions & Record<string, unknown>): Promise<string>
export declare function getCloudflareToken(requiredPermissions?: string[], options?: CloudflareOpsOptions & StoreOptions): Promise<string>
export declare function listWorkers(options?: CloudflareOpsOptions): Promise<Array<{ id: string, name: string, createdOn: string, modifiedOn: string, etag?: string }>>
export declare function workerExists(workerName: string, options?: CloudflareOpsOptions): Promise<boolean>
export declare function deployWorker(env?: string, options?: CloudflareOpsOptions): Promise<{ workerName: string | null, versionId: string | null, url: string | null, targets: string[] }>
export declare function deploySecret(key: string, value: string, env?: string, options?: CloudflareOpsOptions): Promise<null>
export declare function deleteSecret(key: string, env?: string, options?: CloudflareOpsOptions): Promise<null>
export declare function listSecrets(env?: string, options?: CloudflareOpsOptions): Promise<string[]>
export declare function listDatabases(options?: CloudflareOpsOptions): Promise<D1DatabaseSummary[]>
export declare function databaseExists(databaseName: string, options?: CloudflareOpsOptions): Promise<boolean>
export declare function createDatabase(name: string, options?: CloudflareOpsOptions): Promise<string>
export declare function deleteDatabase(name: string, options?: CloudflareOpsOptions): Promise<null>
export declare function runMigrations(databaseName: string, env?: string, options?: CloudflareOpsOptions & { remote?: boolean }): Promise<true>
export declare function executeSql(databaseName: string, sql: string, env?: string, options?: CloudflareOpsOptions & { remote?: boolean }): Promise<Record<string, unknown>[]>
export declare function getDatabaseId(databaseName: string, options?: CloudflareOpsOptions): Promise<string | null>
export declare function validatePrerequisites(options?: CloudflareOpsOptions & { checkAuth?: boolean, checkNetwork?: boolean }): Promise<PrerequisiteCheck[]>
