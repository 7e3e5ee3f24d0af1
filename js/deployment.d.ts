export { DeploymentAuditor, DeploymentValidator } from '../index'
