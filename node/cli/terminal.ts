/**
 * Text from the network on a terminal. A message, a contact's name from an invite, an error reason
 * sent by a peer or an address from the DHT can hold control characters: a newline forges a line
 * from another contact, ESC starts sequences that write the clipboard (OSC 52), hide text (SGR 8)
 * or retitle the window, and bidi overrides reorder what is shown. Plain output escapes them
 * visibly; JSON output escapes them as \u sequences, so it stays exact JSON that parses to the
 * very same strings.
 */

/**
 * What is escaped: C0 controls (tab and newline included), DEL, C1 controls (U+0080–U+009F, read as
 * 8-bit CSI/OSC by some terminals), the Unicode bidi controls (U+202A–U+202E embeddings and
 * overrides, U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks) and the line and paragraph
 * separators U+2028/U+2029.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g // eslint-disable-line no-control-regex

/** The same set without C0, which JSON.stringify escapes itself. */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0')

/**
 * `text` with every control character shown as an escape: `\n`, `\r`, `\t`, `\xNN` below U+0100,
 * `\uNNNN` above. Backslashes are left alone, so a literal "\n" typed by a sender looks the same as
 * an escaped newline: both are harmless on one line.
 *
 * @example escapeControls('hi\u001b]52;c;ZXZpbA==\u0007') === 'hi\\x1b]52;c;ZXZpbA==\\x07'
 */
export function escapeControls (text: string): string {
  return text.replace(CONTROLS, c => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`))
}

/**
 * A tagged template for plain output: every interpolated value is escaped with escapeControls, the
 * template's own text (newlines included) is not.
 *
 * @example plain`${time}  <- ${m.contact}  ${m.text}`
 */
export function plain (strings: TemplateStringsArray, ...values: unknown[]): string {
  let s = strings[0]
  for (let i = 0; i < values.length; i++) s += escapeControls(String(values[i])) + strings[i + 1]
  return s
}

/**
 * JSON for output: JSON.stringify, with DEL, C1, bidi controls and line separators also written
 * as \u escapes. JSON.parse of the result gives exactly `value`.
 */
export function safeJson (value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, c => `\\u${hex(c, 4)}`)
}

/** A message as the API gives it (messageJson in node/daemon/api.ts): the fields printed. */
export interface PrintedMessage {
  contact: string
  peer: string
  direction: 'in' | 'out'
  status: string
  text: string
  createdAt: number
  unverified?: boolean
  file?: { name: string, size: number, status: string, received: number, error?: string | null }
}

/** Marks a sender who is not a contact (the API names such a peer by its peer id). */
export const NOT_A_CONTACT = '(not a contact)'

/** A time as plain output shows it: UTC, to the second. */
export const timestamp = (ms: number | null | undefined): string => ms == null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

/** Marks a message that came through a mailbox under an identity never confirmed with the contact. */
export const UNVERIFIED = '[unverified sender]'

/**
 * One message as one line of plain output: time, direction, who, status, text. A peer who is not
 * a contact (its `contact` is its peer id) is marked NOT_A_CONTACT; nothing from the network can
 * break the line.
 */
export function messageLine (m: PrintedMessage): string {
  const who = m.contact === m.peer ? plain`${NOT_A_CONTACT} ${m.peer}` : plain`${m.contact}`
  const mark = m.unverified === true ? ` ${UNVERIFIED}` : ''
  return plain`${timestamp(m.createdAt)}  ${m.direction === 'out' ? '->' : '<-'} ` + who + mark + plain`  [${m.status}]  ${m.text}` + (m.file == null ? '' : fileNote(m.file))
}

/** A file's part of a message line: name, size and, while it is fetched, a progress bar. */
export function fileNote (f: NonNullable<PrintedMessage['file']>): string {
  const size = f.size >= 1048576 ? `${(f.size / 1048576).toFixed(1)} MiB` : `${Math.ceil(f.size / 1024)} KiB`
  const share = f.size === 0 ? 1 : f.received / f.size
  const bar = f.status === 'fetching' ? ` [${'#'.repeat(Math.round(share * 20)).padEnd(20, '.')}] ${Math.floor(share * 100)}%` : ` (${f.status})`
  return plain` [file ${f.name}, ${size}]${bar}${f.error == null ? '' : ` - ${f.error}`}`
}
