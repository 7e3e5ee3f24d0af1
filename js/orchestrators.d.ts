// Types of the phase-machine orchestrators of clodo/deployment.
import type { DeploymentAuditor, MultiDomainOrchestrator, MultiDomainOrchestratorOptions, PortfolioDeployment } from '../index'

export type DeploymentPhase = 'initialization' | 'validation' | 'preparation' | 'deployment' | 'verification' | 'monitoring'
export interface PhaseOutcome { phase: DeploymentPhase, status: 'success', result: unknown, duration: number, timestamp: string }
export interface ExecutionSummary {
  deploymentId: string
  orchestrator: string
  totalDuration: number
  phases: Record<DeploymentPhase, { state?: 'executing' | 'complete' | 'error', duration: number, result?: PhaseOutcome, error?: string }>
  stats: { total: number, completed: number, failed: number, skipped: number, successRate: number }
  errors: Array<{ phase: DeploymentPhase, message: string, code?: string, severity: 'critical' | 'warning' }>
}
export declare const DEPLOYMENT_PHASES: Readonly<Record<'INITIALIZATION' | 'VALIDATION' | 'PREPARATION' | 'DEPLOYMENT' | 'VERIFICATION' | 'MONITORING', DeploymentPhase>>
export declare const PHASE_SEQUENCE: DeploymentPhase[]
export declare class BaseDeploymentOrchestrator {
  constructor(options?: { deploymentId?: string, config?: Record<string, any>, auditor?: DeploymentAuditor })
  deploymentId: string
  config: Record<string, any>
  currentPhase: DeploymentPhase | null
  /** A failed initialization or deployment rejects unless `continueOnError`. */
  execute(options?: { continueOnError?: boolean }): Promise<ExecutionSummary>
  executePhase(phase: DeploymentPhase): Promise<PhaseOutcome>
  isCriticalPhase(phase: DeploymentPhase): boolean
  generateExecutionSummary(): ExecutionSummary
  getExecutionTime(): number
  getPhaseStatus(phase: DeploymentPhase): 'pending' | 'executing' | 'complete' | 'error'
  getPhaseResults(): Map<DeploymentPhase, PhaseOutcome>
  getPhaseResult(phase: DeploymentPhase): PhaseOutcome | null
  getExecutionContext(): Record<string, unknown>
  capitalize(phase: string): string
  onInitialize(): Promise<unknown>
  onValidation(): Promise<unknown>
  onPrepare(): Promise<unknown>
  onDeploy(): Promise<unknown>
  onVerify(): Promise<unknown>
  onMonitor(): Promise<unknown>
}
export declare class PortfolioOrchestrator extends BaseDeploymentOrchestrator {
  constructor(options?: { deploymentId?: string, config?: MultiDomainOrchestratorOptions & { domains?: string[] }, auditor?: DeploymentAuditor })
  orchestratorType: string
  domains: string[]
  orchestrator: MultiDomainOrchestrator | null
  deployment: PortfolioDeployment | null
  getMetadata(): Record<string, unknown>
  getDeploymentStatus(): Record<string, 'pending' | 'validated' | 'prepared' | 'deployed' | 'verified' | 'failed'>
}
export declare class SingleServiceOrchestrator extends PortfolioOrchestrator {
  constructor(options?: { deploymentId?: string, config?: MultiDomainOrchestratorOptions & { domain?: string }, auditor?: DeploymentAuditor })
}
export declare class UnifiedDeploymentOrchestrator extends BaseDeploymentOrchestrator {
  constructor(config?: { deploymentId?: string, config?: Record<string, any>, capabilities?: Array<string | { name: string, config?: unknown }>, deploymentMode?: 'single' | 'portfolio' | 'enterprise', validationLevel?: string, auditLevel?: string })
  enableCapability(name: string, config?: unknown): this
  disableCapability(name: string): this
  hasCapability(name: string): boolean
  getEnabledCapabilities(): string[]
  getCapabilityDefinition(name: string): { name: string, description: string, system: string } | undefined
  getRecommendedCapabilities(mode: string): string[]
  setDeploymentMode(mode: string, autoConfigureCapabilities?: boolean): this
  getMetadata(): Record<string, unknown>
  getCapabilityReport(): Record<string, unknown>
}
