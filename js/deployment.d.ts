export { DeploymentAuditor, DeploymentValidator, ProductionTester } from '../index'
