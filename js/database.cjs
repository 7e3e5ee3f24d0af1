// clodo/database mirrors @tamyla/clodo-framework's subpath.
const { DatabaseOrchestrator } = require('./native.cjs')

module.exports = { DatabaseOrchestrator }
