/**
 * The membership log's failure modes, one class each. All extend GroupError so a caller can catch
 * the family. Two kinds:
 * - refusals, thrown: the op is not stored (malformed, forged, for another group, a fork, out of
 *   sequence, a second root);
 * - verdicts, returned by MembershipLog.verdict: the op is stored (other ops may name it as a
 *   parent) but has no effect (NotMemberError, NotAdminError, RemovedMemberError, GroupFullError,
 *   InvalidTargetError).
 */

/** Any failure of the membership log. */
export class GroupError extends Error {
  override name = 'GroupError'
}

/** An op or signed op does not decode, or a field has the wrong length, count or value. */
export class MalformedOpError extends GroupError {
  override name = 'MalformedOpError'
}

/** An op or signed op is longer than its bound (MAX_OP_BYTES, MAX_SIGNED_OP_BYTES). */
export class OpTooLargeError extends GroupError {
  override name = 'OpTooLargeError'
}

/** The device certificate does not bind the author to the device, or the signature does not verify. */
export class ForgedOpError extends GroupError {
  override name = 'ForgedOpError'
}

/** The op belongs to another group than the log's. */
export class UnknownGroupError extends GroupError {
  override name = 'UnknownGroupError'
}

/** A second Create for a group whose root the log already holds. */
export class SecondRootError extends GroupError {
  override name = 'SecondRootError'
}

/** Another op with the same author and sequence number is held: the author equivocated. */
export class ForkedOpError extends GroupError {
  override name = 'ForkedOpError'
}

/** The op's sequence number is not one more than its author's previous op in the op's causal past. */
export class OutOfSequenceError extends GroupError {
  override name = 'OutOfSequenceError'
}

/** Ops are missing from a log being rebuilt: `missing` lists their ids. */
export class MissingParentsError extends GroupError {
  override name = 'MissingParentsError'
  constructor (readonly missing: string[], message: string) { super(message) }
}

/** No op with that id is held. */
export class UnknownOpError extends GroupError {
  override name = 'UnknownOpError'
}

/** Verdict: the author was never a member in the op's causal past. */
export class NotMemberError extends GroupError {
  override name = 'NotMemberError'
}

/** Verdict: the op needs an admin and its author is not one in the op's causal past. */
export class NotAdminError extends GroupError {
  override name = 'NotAdminError'
}

/**
 * Verdict: the author was removed (or left) before the op, or a removal of the author is
 * concurrent with it (remove wins).
 */
export class RemovedMemberError extends GroupError {
  override name = 'RemovedMemberError'
}

/**
 * Verdict: the author's device was taken out of the room (RemoveDevice) before the op, or such a
 * removal is concurrent with it (remove wins, per device).
 */
export class RemovedDeviceError extends GroupError {
  override name = 'RemovedDeviceError'
}

/** Verdict: the author is a member but the op's device is not one of its devices in the room. */
export class NotADeviceError extends GroupError {
  override name = 'NotADeviceError'
}

/** Verdict: an Add would take the group above MAX_MEMBERS in the op's causal past. */
export class GroupFullError extends GroupError {
  override name = 'GroupFullError'
}

/**
 * Verdict: the target is not in the state the op needs: adding a member, removing a non-member,
 * promoting an admin or a non-member, demoting a non-admin.
 */
export class InvalidTargetError extends GroupError {
  override name = 'InvalidTargetError'
}
