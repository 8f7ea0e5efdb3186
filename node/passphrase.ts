/**
 * Where a passphrase comes from: FERRY_PASSPHRASE, else a hidden prompt when stdin is a terminal.
 *
 * The prompt reads the terminal in raw mode through stdin's events: no echo, Backspace and Ctrl-U
 * edit, Enter ends, Ctrl-C cancels. It must not read fd 0 synchronously: once Node has opened stdin
 * as a terminal stream the descriptor is non-blocking, and a synchronous read fails with EAGAIN
 * before a key is pressed.
 */

/** The user pressed Ctrl-C (or Ctrl-D at an empty prompt) instead of entering a passphrase. */
export class PromptCancelledError extends Error {
  override name = 'PromptCancelledError'
}

/** Typed ahead after an Enter: the start of the next answer (a pasted "pass\npass\n", say). */
let typedAhead = ''

/** ESC [ ... final byte, or ESC and one character: arrow keys, Home, function keys. */
const ESCAPE_SEQUENCE = /^\u001b(\[[0-?]*[ -/]*[@-~]|.)?/ // eslint-disable-line no-control-regex

interface Edit { text: string, done: boolean, cancelled: boolean, rest: string }

/** Apply typed input to the answer so far. */
function edit (text: string, input: string): Edit {
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '\r' || ch === '\n') {
      // a terminal may send CR LF for one Enter
      const next = ch === '\r' && input[i + 1] === '\n' ? i + 2 : i + 1
      return { text, done: true, cancelled: false, rest: input.slice(next) }
    }
    if (ch === '\u0003' || (ch === '\u0004' && text === '')) return { text, done: true, cancelled: true, rest: '' }
    if (ch === '\u0004') return { text, done: true, cancelled: false, rest: input.slice(i + 1) }
    if (ch === '\u007f' || ch === '\b') text = Array.from(text).slice(0, -1).join('')
    else if (ch === '\u0015') text = ''
    else if (ch === '\u001b') i += (ESCAPE_SEQUENCE.exec(input.slice(i))?.[0].length ?? 1) - 1
    else if (ch >= ' ') text += ch
  }
  return { text, done: false, cancelled: false, rest: '' }
}

/**
 * Ask for one line on the terminal without echoing it.
 *
 * @throws PromptCancelledError on Ctrl-C
 */
async function askHidden (prompt: string): Promise<string> {
  const stdin = process.stdin
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  process.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let text = ''
    const finish = (err?: Error): void => {
      stdin.off('data', onData)
      stdin.off('end', onEnd)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (err != null) reject(err)
      else resolve(text)
    }
    const onData = (chunk: string): void => {
      const e = edit(text, chunk)
      text = e.text
      if (!e.done) return
      typedAhead = e.rest
      finish(e.cancelled ? new PromptCancelledError('cancelled') : undefined)
    }
    const onEnd = (): void => { finish() }
    stdin.on('data', onData)
    stdin.on('end', onEnd)
    const ahead = typedAhead
    typedAhead = ''
    if (ahead !== '') onData(ahead)
    if (stdin.listenerCount('data') > 0) stdin.resume()
  })
}

/** Whether a passphrase can be asked for: stdin is a terminal. */
function canAsk (): boolean {
  return process.stdin.isTTY === true
}

/**
 * The passphrase that unlocks an identity.
 *
 * @param prompt - shown on stderr when asking interactively
 * @returns the passphrase, or undefined when there is none to be had (no variable, no terminal,
 *   nothing entered)
 * @throws PromptCancelledError on Ctrl-C
 */
export async function passphrase (prompt = 'Passphrase: '): Promise<string | undefined> {
  const env = process.env.FERRY_PASSPHRASE
  if (env != null && env !== '') return env
  if (!canAsk()) return undefined
  const answer = await askHidden(prompt)
  return answer === '' ? undefined : answer
}

/**
 * A passphrase for a new identity: FERRY_PASSPHRASE, else asked twice in a terminal (empty for
 * none), else none.
 *
 * @throws Error when the two entries differ; PromptCancelledError on Ctrl-C
 */
export async function newPassphrase (): Promise<string | undefined> {
  const env = process.env.FERRY_PASSPHRASE
  if (env != null && env !== '') return env
  if (!canAsk()) return undefined
  const first = await askHidden('New passphrase (empty for none): ')
  if (first === '') return undefined
  if (await askHidden('Repeat passphrase: ') !== first) throw new Error('the passphrases differ; nothing was created')
  return first
}

/**
 * The passphrase that replaces the current one (`ferry passphrase change`): FERRY_NEW_PASSPHRASE
 * (set and empty: none), else asked twice in a terminal (empty for none).
 *
 * @throws Error when the two entries differ, or there is no variable and no terminal;
 *   PromptCancelledError on Ctrl-C
 */
export async function replacementPassphrase (): Promise<string | undefined> {
  const env = process.env.FERRY_NEW_PASSPHRASE
  if (env != null) return env === '' ? undefined : env
  if (!canAsk()) throw new Error('no new passphrase: set FERRY_NEW_PASSPHRASE (empty for none) or run the command in a terminal')
  const first = await askHidden('New passphrase (empty for none): ')
  if (await askHidden('Repeat new passphrase: ') !== first) throw new Error('the new passphrases differ; nothing was changed')
  return first === '' ? undefined : first
}

/**
 * A backup's recovery phrase: FERRY_RECOVERY_PHRASE, else asked (hidden) in a terminal.
 *
 * @throws Error when there is neither; PromptCancelledError on Ctrl-C
 */
export async function recoveryPhrase (): Promise<string> {
  const env = process.env.FERRY_RECOVERY_PHRASE
  if (env != null && env.trim() !== '') return env
  if (!canAsk()) throw new Error('no recovery phrase: set FERRY_RECOVERY_PHRASE or run the command in a terminal')
  const answer = await askHidden('Recovery phrase (24 words): ')
  if (answer.trim() === '') throw new Error('no recovery phrase was entered; nothing was imported')
  return answer
}
