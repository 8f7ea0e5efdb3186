/**
 * The mailbox's failure modes, one class each.
 */
import { InvalidInputError } from '../errors.js'

/** A mailbox refused a request (not authorized, over quota, expired, against its policy). */
export class MailboxRefusedError extends Error {
  override name = 'MailboxRefusedError'
  constructor (readonly code: number | string, message: string) { super(message) }
}

/** A mailbox stream ended before its answers came, for a reason the stream did not name. */
export class MailboxStreamError extends Error {
  override name = 'MailboxStreamError'
}

/** A capability, custody or deletion receipt does not hold. */
export class InvalidMailboxStatementError extends InvalidInputError {
  override name = 'InvalidMailboxStatementError'
}
