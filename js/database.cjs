// clodo/database mirrors @tamyla/clodo-framework's subpath.
const { DatabaseOrchestrator } = require('../index.js')

module.exports = { DatabaseOrchestrator }
