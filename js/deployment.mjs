// clodo/deployment: see deployment.cjs.
import native from '../index.js'

export const { DeploymentAuditor, DeploymentValidator, ProductionTester, RollbackManager } = native
