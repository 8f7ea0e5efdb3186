/**
 * Failures of the team-room key agreement (dcgka.ts, two-party.ts) and the per-sender message
 * ratchet (message-ratchet.ts). One class per failure mode; all extend GroupKeyError so a caller
 * can tell "the keys refused this" from a bug with one `instanceof`.
 */

/** Base class of every group key failure. */
export class GroupKeyError extends Error {
  override name = 'GroupKeyError'
}

/** A key payload (control message and its direct messages) that does not decode or breaks a bound. */
export class MalformedKeyPayloadError extends GroupKeyError {
  override name = 'MalformedKeyPayloadError'
}

/** Stored key state bytes that do not decode or do not form a consistent state. */
export class MalformedKeyStateError extends GroupKeyError {
  override name = 'MalformedKeyStateError'
}

/** AEAD authentication failed: a tampered or forged ciphertext, wrong associated data, or a key we never had. */
export class UndecryptableError extends GroupKeyError {
  override name = 'UndecryptableError'
}

/** A message for a sender epoch we have not learned yet: process the control messages it depends on first. */
export class UnknownEpochError extends GroupKeyError {
  override name = 'UnknownEpochError'
}

/** A message for a sender epoch whose chain was already deleted (superseded beyond the grace bound). */
export class StaleEpochError extends GroupKeyError {
  override name = 'StaleEpochError'
}

/** The message key for this (sender, epoch, n) was already used (a replay or duplicate) or dropped. */
export class DuplicateMessageError extends GroupKeyError {
  override name = 'DuplicateMessageError'
}

/** Decrypting would derive more than MAX_SKIP message keys of one chain. */
export class TooManySkippedError extends GroupKeyError {
  override name = 'TooManySkippedError'
}

/** A control message that needs a direct message for us (a seed, a welcome) arrived without one. */
export class MissingDirectError extends GroupKeyError {
  override name = 'MissingDirectError'
}

/** A control message whose sequence number is not above the last one processed from that sender. */
export class OutOfOrderControlError extends GroupKeyError {
  override name = 'OutOfOrderControlError'
}

/** An operation or message that needs us to be a member (we are not yet welcomed, or were removed). */
export class NotAMemberError extends GroupKeyError {
  override name = 'NotAMemberError'
}

/** An operation that makes no sense in the current state (add an existing member, remove ourselves, ...). */
export class InvalidKeyOperationError extends GroupKeyError {
  override name = 'InvalidKeyOperationError'
}
