// clodo/security/cli: the original's SecurityCLI and its one-call functions (see security.cjs).
'use strict'

const { SecurityCLI } = require('./security.cjs')

exports.SecurityCLI = SecurityCLI
exports.validateSecurity = (customer, environment) => new SecurityCLI().validateConfiguration(customer, environment)
exports.generateSecureKey = (type = 'api', length) => new SecurityCLI().generateKey(type, length)
exports.deployWithSecurity = (customer, environment, options = {}) => new SecurityCLI().deployWithSecurity(customer, environment, options)
exports.generateSecureConfig = (customer, environment) => new SecurityCLI().generateSecureConfig(customer, environment)
exports.checkDeploymentReadiness = (customer, environment) => new SecurityCLI().checkDeploymentReadiness(customer, environment)
