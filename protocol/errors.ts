/**
 * One class per failure mode. Every error a user can cause carries a message that says what to do.
 */

/** Input from the user or the API was not acceptable (empty text, bad name, bad TTL...). */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError'
}

/** A message text exceeds MAX_TEXT_BYTES. */
export class MessageTooLargeError extends Error {
  override name = 'MessageTooLargeError'
}

/** No contact by that name or peer id. */
export class UnknownContactError extends Error {
  override name = 'UnknownContactError'
}

/** A contact with that name (or that peer) exists already. */
export class ContactExistsError extends Error {
  override name = 'ContactExistsError'
}

/** An invite could not be parsed, is expired, or its signature does not hold. */
export class InvalidInviteError extends Error {
  override name = 'InvalidInviteError'
}

/** An envelope failed validation (malformed, expired, not for us, too large). */
export class InvalidEnvelopeError extends Error {
  override name = 'InvalidEnvelopeError'
}

/** A delivery receipt's signature or content does not match the envelope it acknowledges. */
export class InvalidReceiptError extends Error {
  override name = 'InvalidReceiptError'
}

/** No usable connection to a contact could be made. */
export class UnreachableError extends Error {
  override name = 'UnreachableError'
}

/** A contact's identity key changed; sending is paused until the user accepts the new key. */
export class IdentityChangedError extends Error {
  override name = 'IdentityChangedError'
}

/** The contact's identity is not known (added by multiaddr, not by invite). */
export class UnknownIdentityError extends Error {
  override name = 'UnknownIdentityError'
}

/** A mailbox deposit would exceed a quota or the host's disk cap. */
export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError'
}

/**
 * The recipient will not take this message, and will not on a retry either: the sender is blocked,
 * or a stranger whose message request is full. Final: the sender's message fails with the reason.
 */
export class RefusedError extends InvalidEnvelopeError {
  override name = 'RefusedError'
}

/** The recipient is busy with strangers right now: the sender should retry later (transient). */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError'
}

/**
 * The sender is blocked. Answered like a busy recipient (transient), as Signal does: a blocked
 * sender's messages stay undelivered until they expire, and the answer does not tell it it was
 * blocked.
 */
export class BlockedError extends RateLimitedError {
  override name = 'BlockedError'
}

/** No message request with that id or sender. */
export class UnknownRequestError extends Error {
  override name = 'UnknownRequestError'
}

/** A team-room snapshot is larger than MAX_ROOM_SNAPSHOT_BYTES: nothing was stored. */
export class RoomSnapshotTooLargeError extends Error {
  override name = 'RoomSnapshotTooLargeError'
}

/** MAX_ROOMS team rooms are stored already: a new one is refused until one is deleted. */
export class TooManyRoomsError extends Error {
  override name = 'TooManyRoomsError'
}

/** A room history entry over MAX_ROOM_HISTORY_RECORD_BYTES: refused before anything is written. */
export class RoomHistoryEntryTooLargeError extends Error {
  override name = 'RoomHistoryEntryTooLargeError'
}

/** No file is known under that message id (protocol/files/). */
export class UnknownFileError extends InvalidInputError {
  override name = 'UnknownFileError'
}
