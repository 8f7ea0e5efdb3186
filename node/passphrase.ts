/** Where a passphrase comes from: FERRY_PASSPHRASE, else a hidden prompt when stdin is a terminal. */
import { readSync } from 'node:fs'

/**
 * @param prompt - shown on stderr when asking interactively
 * @returns the passphrase, or undefined when there is none to be had (no variable, no terminal)
 */
export function passphrase (prompt = 'Passphrase: '): string | undefined {
  const env = process.env.FERRY_PASSPHRASE
  if (env != null && env !== '') return env
  if (process.stdin.isTTY !== true) return undefined
  process.stderr.write(prompt)
  process.stdin.setRawMode(true)
  let out = ''
  const buf = Buffer.alloc(1)
  try {
    while (true) {
      if (readSync(0, buf, 0, 1, null) === 0) break
      const ch = buf.toString('utf8')
      if (ch === '\r' || ch === '\n') break
      if (ch === '\u0003') throw new Error('cancelled')
      if (ch === '\u007f') out = out.slice(0, -1)
      else out += ch
    }
  } finally {
    process.stdin.setRawMode(false)
    process.stderr.write('\n')
  }
  return out === '' ? undefined : out
}

/**
 * A passphrase for a new identity: FERRY_PASSPHRASE, else asked twice in a terminal (empty for
 * none), else none.
 *
 * @throws Error when the two entries differ
 */
export function newPassphrase (): string | undefined {
  const env = process.env.FERRY_PASSPHRASE
  if (env != null && env !== '') return env
  if (process.stdin.isTTY !== true) return undefined
  const first = passphrase('New passphrase (empty for none): ')
  if (first == null) return undefined
  if (passphrase('Repeat passphrase: ') !== first) throw new Error('the passphrases differ; nothing was created')
  return first
}
