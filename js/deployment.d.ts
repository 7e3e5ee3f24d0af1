export { DeploymentAuditor, DeploymentValidator, ProductionTester, RollbackManager } from '../index'
