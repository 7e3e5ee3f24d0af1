// clodo/deployment mirrors @tamyla/clodo-framework's subpath with what clodo has built so far.
const { DeploymentAuditor, DeploymentValidator, ProductionTester, RollbackManager } = require('./native.cjs')

module.exports = { DeploymentAuditor, DeploymentValidator, ProductionTester, RollbackManager }
