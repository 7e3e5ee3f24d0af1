// clodo/service-management (and /create) mirror @tamyla/clodo-framework's subpaths: ServiceCreator and createService.
const { ServiceCreator, createService } = require('./native.cjs')

module.exports = { ServiceCreator, createService }
