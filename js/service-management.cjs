// clodo/service-management (and /create) mirror @tamyla/clodo-framework's subpaths: ServiceCreator and createService.
const { ServiceCreator, createService } = require('../index.js')

module.exports = { ServiceCreator, createService }
