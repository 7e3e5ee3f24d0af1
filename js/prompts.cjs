// The original's interactive prompts (askUser, askYesNo, askChoice,
// closePrompts). They read a terminal; without one they reject with
// E_NOT_INTERACTIVE at once instead of waiting on a pipe that never answers.
'use strict'

const readline = require('node:readline')

// One readline session; lines typed ahead of a question wait in `typed`.
let session = null

function terminal() {
  if (!process.stdin.isTTY) {
    throw Object.assign(new Error('This prompt needs a terminal (stdin is not one): pass the value as an option, flag or environment variable instead'), { code: 'E_NOT_INTERACTIVE' })
  }
  if (!session) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout })
    session = { rl, typed: [], waiting: null }
    rl.on('line', (line) => {
      const waiting = session?.waiting
      if (waiting) {
        session.waiting = null
        waiting(line)
      } else {
        session?.typed.push(line)
      }
    })
  }
  return session
}

function question(text) {
  return new Promise((resolve, reject) => {
    let s
    try {
      s = terminal()
    } catch (error) {
      reject(error)
      return
    }
    s.rl.output.write(text)
    if (s.typed.length > 0) resolve(s.typed.shift())
    else s.waiting = resolve
  })
}

/** The answer, trimmed, or `defaultValue` for an empty one. */
async function askUser(prompt, defaultValue = null) {
  const answer = (await question(defaultValue ? `${prompt} [${defaultValue}]: ` : `${prompt}: `)).trim()
  return answer || defaultValue
}

/** true for y / yes (any case); an empty answer takes `defaultValue` ('n'). */
async function askYesNo(prompt, defaultValue = 'n') {
  const yes = String(defaultValue).toLowerCase().startsWith('y')
  const answer = (await question(`${prompt} [${yes ? 'Y/n' : 'y/N'}]: `)).trim().toLowerCase() || String(defaultValue).toLowerCase()
  return answer === 'y' || answer === 'yes'
}

/** The 0-based index of the chosen line; an empty or out-of-range answer takes `defaultIndex`. */
async function askChoice(prompt, choices, defaultIndex = 0) {
  const lines = choices.map((choice, i) => `${i === defaultIndex ? '>' : ' '} ${i + 1}. ${choice}`)
  const answer = await question(`\n${prompt}\n${lines.join('\n')}\n\nSelect option [1-${choices.length}]: `)
  const index = Number.parseInt(answer, 10) - 1
  return Number.isInteger(index) && index >= 0 && index < choices.length ? index : defaultIndex
}

/** Like askUser, but what is typed is not shown (API tokens). */
async function askSecret(prompt) {
  const { rl } = terminal()
  const output = rl.output
  const write = output.write.bind(output)
  output.write = (chunk, ...rest) => (String(chunk).startsWith(prompt) ? write(chunk, ...rest) : true)
  try {
    return (await question(`${prompt}: `)).trim()
  } finally {
    output.write = write
    write('\n')
  }
}

/** Ends the prompt session so the process can exit. */
function closePrompts() {
  session?.rl.close()
  session = null
}

module.exports = { askUser, askYesNo, askChoice, askSecret, closePrompts }
