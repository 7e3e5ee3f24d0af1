export { DeploymentAuditor, DeploymentValidator, ProductionTester, RollbackManager } from '../index'
export { BaseDeploymentOrchestrator, SingleServiceOrchestrator, PortfolioOrchestrator, UnifiedDeploymentOrchestrator } from './orchestrators'
