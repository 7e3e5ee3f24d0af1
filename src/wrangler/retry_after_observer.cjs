// Loaded into each wrangler process clodo starts (NODE_OPTIONS=--require).
// Wrangler never shows the retry-after of a rate-limited API response; undici
// announces every response's headers on this diagnostics channel, so the
// value is written to the file clodo reads when wrangler fails with a 429.
const channel = require('node:diagnostics_channel')
const { appendFileSync } = require('node:fs')

const file = process.env.CLODO_RETRY_AFTER_FILE
if (file) {
  channel.subscribe('undici:request:headers', ({ response }) => {
    if (response.statusCode !== 429) return
    const headers = response.headers
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'retry-after') appendFileSync(file, `${headers[i + 1]}\n`)
    }
  })
}
