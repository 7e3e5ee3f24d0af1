// clodo/orchestration mirrors @tamyla/clodo-framework's subpath with what clodo has built so far.
const { MultiDomainOrchestrator, CrossDomainCoordinator } = require('../index.js')

module.exports = { MultiDomainOrchestrator, CrossDomainCoordinator }
