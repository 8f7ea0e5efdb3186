import type { Rejection } from './pb/dm.js'

/** The receiver refused an envelope and said why. */
export class EnvelopeRejectedError extends Error {
  override name = 'EnvelopeRejectedError'
  readonly code: Rejection.Code

  constructor (code: Rejection.Code, reason: string) {
    super(`receiver refused the message: ${reason}`)
    this.code = code
  }
}

/** The stream carrying envelopes closed or failed before the receipt came. */
export class DmStreamClosedError extends Error {
  override name = 'DmStreamClosedError'
}
