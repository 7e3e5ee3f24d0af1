// clodo/utils/cloudflare mirrors @tamyla/clodo-framework's subpath: DomainDiscovery (zones through Cloudflare's API).
const { DomainDiscovery } = require('./native.cjs')

module.exports = { DomainDiscovery }
