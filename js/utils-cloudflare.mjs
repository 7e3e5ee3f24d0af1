// clodo/utils/cloudflare: see utils-cloudflare.cjs.
import native from '../index.js'

export const { DomainDiscovery } = native
