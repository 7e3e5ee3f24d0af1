// The package root: every class and function of clodo, under the names the
// original's root declared (its in-worker application framework aside).
'use strict'

module.exports = {
  ...require('./native.cjs'),
  ...require('./config.cjs'),
  ...require('./worker.cjs'),
  ...require('./utils-deployment.cjs'),
  ...require('./utils-cloudflare.cjs'),
  ...require('./deployment.cjs'),
  ...require('./security.cjs'),
  ...require('./cli-helpers.cjs'),
  ...require('./framework.cjs'),
}
