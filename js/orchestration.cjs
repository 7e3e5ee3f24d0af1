// clodo/orchestration mirrors @tamyla/clodo-framework's subpath with what clodo has built so far.
const { MultiDomainOrchestrator, CrossDomainCoordinator } = require('./native.cjs')

module.exports = { MultiDomainOrchestrator, CrossDomainCoordinator }
