// clodo/service-management (and /create) mirror @tamyla/clodo-framework's subpaths: ServiceCreator,
// createService and ServiceOrchestrator.
const { ServiceCreator, createService } = require('./native.cjs')
const { ServiceOrchestrator } = require('./framework.cjs')

module.exports = { ServiceCreator, createService, ServiceOrchestrator }
