// Types of clodo/security/cli.
import type { SecurityCLI } from './security'
export { SecurityCLI } from './security'
export declare function validateSecurity(customer: string, environment: string): ReturnType<SecurityCLI['validateConfiguration']>
export declare function generateSecureKey(type?: string, length?: number): ReturnType<SecurityCLI['generateKey']>
export declare function deployWithSecurity(customer: string, environment: string, options?: Parameters<SecurityCLI['deployWithSecurity']>[2]): ReturnType<SecurityCLI['deployWithSecurity']>
export declare function generateSecureConfig(customer: string, environment: string): ReturnType<SecurityCLI['generateSecureConfig']>
export declare function checkDeploymentReadiness(customer: string, environment: string): ReturnType<SecurityCLI['checkDeploymentReadiness']>
