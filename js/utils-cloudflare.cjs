// clodo/utils/cloudflare mirrors @tamyla/clodo-framework's subpath: DomainDiscovery (zones through Cloudflare's API).
const { DomainDiscovery } = require('../index.js')

module.exports = { DomainDiscovery }
