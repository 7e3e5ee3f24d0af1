// clodo/deployment mirrors @tamyla/clodo-framework's subpath.
'use strict'

const { DeploymentAuditor, DeploymentValidator, ProductionTester, RollbackManager } = require('./native.cjs')
const orchestrators = require('./orchestrators.cjs')

module.exports.DeploymentAuditor = DeploymentAuditor
module.exports.DeploymentValidator = DeploymentValidator
module.exports.ProductionTester = ProductionTester
module.exports.RollbackManager = RollbackManager
module.exports.BaseDeploymentOrchestrator = orchestrators.BaseDeploymentOrchestrator
module.exports.SingleServiceOrchestrator = orchestrators.SingleServiceOrchestrator
module.exports.PortfolioOrchestrator = orchestrators.PortfolioOrchestrator
module.exports.UnifiedDeploymentOrchestrator = orchestrators.UnifiedDeploymentOrchestrator
