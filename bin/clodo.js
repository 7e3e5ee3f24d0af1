#!/usr/bin/env node
// `npx clodo …`: the CLI is Rust (src/cli); this only hands it the arguments.
process.exitCode = require('../js/native.cjs').runCli(process.argv.slice(2))
