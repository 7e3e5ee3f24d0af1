// clodo/config mirrors @tamyla/clodo-framework's subpath: domain configurations,
// feature flags and customer onboarding.
'use strict'

module.exports = { ...require('./domain-config.cjs'), ...require('./customers.cjs') }
