export { DeploymentAuditor } from '../index'
