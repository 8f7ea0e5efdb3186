/** What `ferry group info` and `ferry group list` show of a room (groups.ts builds them). */

/** One member as `ferry group info` shows it. */
export interface GroupMember {
  identity: string
  /** the contact's name, when the member is a contact */
  name?: string
  role: 'admin' | 'member'
  me: boolean
  /** how many of the member's devices take part in the room (linked devices; docs/DEVICES.md) */
  devices: number
}

export interface GroupSummary {
  /** the room id, hex */
  group: string
  name: string
  members: GroupMember[]
  /** disappearing timer, ms (0: off) */
  expiresMs: number
  /** our keys: 'member' once the room's welcome reached us */
  keys: 'pending' | 'member' | 'removed' | 'paused'
  /** nothing held back for want of ops or keys: our view has converged with what reached us */
  converged: boolean
  /** the room's epoch: a hash of the log's heads, so members holding the same ops show the same */
  epoch: string
  unread: number
  /** the highest history seq: it moves whenever a message is written */
  latest: number
  /** how far our messages got, summed over their recipients: it moves whenever a receipt arrives */
  progress: number
}
