// clodo/utils/deployment: mirrors @tamyla/clodo-framework's subpath with what clodo has built so far.
const native = require('../index.js')

module.exports.WranglerConfigManager = native.WranglerConfigManager
