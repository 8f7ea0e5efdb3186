/**
 * A host's deposit checks (DESIGN.md "Mailboxes"): the capability is the owner's, names this host,
 * is live and not revoked; the depositing peer is a device of the capability's sender; a
 * capability scoped to a room admits only that room's group mail (the envelope's `group`); the
 * envelope is well formed, for the owner, and within the owner's and the host's limits. Deposits
 * that pass are committed in small group commits, and only then is the custody receipt signed
 * (invariant 3).
 */
import { MAX_TTL_MS, MIN_TTL_MS } from '../constants.js'
import { checkEnvelope, decodeEnvelope, equalBytes, toHex } from '../messaging/envelope.js'
import { QuotaExceededError } from '../errors.js'
import { GroupCommit } from '../util/group-commit.js'
import { verifyDevice } from '../crypto/identity.js'
import { TokenBuckets } from '../services/streams/budget.js'
import { CACHE_SIZE } from './constants.js'
import { peerString } from './fields.js'
import { Refusal } from './pb/mailbox.js'
import { openCapability, signCustody } from './signed.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { DepositLimits, HostedMailStore, HostedOwner, MailboxItem } from '../stores/stores.js'
import type { MailboxPolicy } from './index.js'
import type { Capability, Deposit, DepositAnswer } from './pb/mailbox.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

type Committed = { storedAt: number, duplicate: boolean }

export interface IntakeInit {
  store: HostedMailStore
  policy: MailboxPolicy
  crypto: CryptoBackend
  now(): number
  /** this host */
  peerId: PeerId
  privateKey: Ed25519PrivateKey
  /** a deposit was stored: its mail expires then */
  stored(expiresAt: number): void
  /** whether the current device list of `identity` names `device` (persons.ts) */
  linked?(identity: Uint8Array, device: string): boolean
  /** the hosting agreement of another device of the person `device` belongs to (persons.ts) */
  ownerFor?(device: string): Promise<HostedOwner | undefined>
}

export const refusal = (code: Refusal.Code, reason: string): DepositAnswer => ({ refusal: { code, reason } })

export class DepositIntake {
  private readonly rate: TokenBuckets
  private readonly commits: GroupCommit<{ item: MailboxItem, limits: DepositLimits }, Committed>
  /** capabilities and device certificates already verified (a sender presents the same ones with every deposit) */
  private readonly verified = new Map<string, Capability>()
  private readonly devices = new Set<string>()

  constructor (private readonly init: IntakeInit) {
    this.rate = new TokenBuckets(init.policy.depositsPerSecond, init.policy.burst, init.now)
    this.commits = new GroupCommit(async batch => init.store.deposit(batch), 64)
  }

  /** Check and durably store one deposit from `from`: its custody receipt, or why not. */
  async deposit (d: Deposit, from: PeerId): Promise<DepositAnswer> {
    const { store, policy } = this.init
    const now = this.init.now()
    let cap
    try {
      cap = await this.capability(d.capability)
    } catch (err: any) {
      return refusal(Refusal.Code.UNAUTHORIZED, err.message)
    }
    const ownerPeer = peerString(cap.ownerDevice)
    let owner: HostedOwner | undefined = ownerPeer == null ? undefined : (await store.hosted(ownerPeer))[0]
    if (owner == null && ownerPeer != null) owner = await this.init.ownerFor?.(ownerPeer) // a capability another device of the person gave
    if (owner == null || !equalBytes(owner.identity, cap.owner)) return refusal(Refusal.Code.UNAUTHORIZED, 'this host keeps no mail for that recipient')
    const me = this.init.peerId.toMultihash().bytes
    if (!cap.hosts.some(h => equalBytes(h.peerId, me))) return refusal(Refusal.Code.UNAUTHORIZED, 'the capability does not name this host')
    if (cap.notAfter <= now) return refusal(Refusal.Code.UNAUTHORIZED, 'the capability expired')
    if (cap.issuedAt < await store.revokedBefore(owner.peer, cap.sender)) return refusal(Refusal.Code.UNAUTHORIZED, 'the capability was revoked')
    if (!await this.isDevice(cap.sender, from.toMultihash().bytes, d.deviceSignature)) return refusal(Refusal.Code.UNAUTHORIZED, 'the depositing peer is not a device of the capability\'s sender')
    if (!this.rate.take(from.toString())) return refusal(Refusal.Code.RATE, 'too many deposits; slow down')
    let env
    try {
      env = decodeEnvelope(d.envelope)
    } catch (err: any) {
      return refusal(Refusal.Code.MALFORMED, err.message)
    }
    if (cap.group != null && (env.group == null || !equalBytes(env.group, cap.group))) return refusal(Refusal.Code.UNAUTHORIZED, 'the capability is scoped to one room\'s group mail, and this is not it')
    // mail for another device of the person: kept under that device, which fetches it itself
    const recipient = peerString(env.recipientDevice)
    const forDevice = recipient != null && recipient !== ownerPeer && this.init.linked?.(cap.owner, recipient) === true ? recipient : undefined
    const problem = checkEnvelope(env, forDevice == null ? cap.ownerDevice : env.recipientDevice, now)
    if (problem?.problem === 'expired') return refusal(Refusal.Code.EXPIRED, 'the envelope expired')
    if (problem != null) return refusal(Refusal.Code.MALFORMED, problem.reason)
    const ttl = env.expiresAt - env.created
    if (ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) return refusal(Refusal.Code.POLICY, `an envelope must live between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
    const maxTtl = Math.min(owner.maxTtlMs, policy.maxTtlMs)
    if (env.expiresAt > now + maxTtl) return refusal(Refusal.Code.POLICY, `this host keeps mail at most ${Math.round(maxTtl / 1000)} s`)
    const limits: DepositLimits = {
      depositorBytes: Math.min(policy.depositorBytes, cap.quotaBytes),
      depositorMessages: Math.min(policy.depositorMessages, cap.quotaMessages),
      ownerBytes: owner.quotaBytes,
      ownerMessages: owner.quotaMessages,
      totalBytes: policy.totalBytes
    }
    const hash = await this.init.crypto.sha256(d.envelope)
    const item: MailboxItem = { owner: forDevice ?? ownerPeer ?? owner.peer, id: toHex(env.id), depositor: from.toString(), envelope: d.envelope, hash, expiresAt: env.expiresAt, storedAt: now }
    let stored
    try {
      stored = await this.commits.add({ item, limits })
    } catch (err: any) {
      if (err instanceof QuotaExceededError) return refusal(Refusal.Code.QUOTA, err.message)
      throw err
    }
    this.init.stored(env.expiresAt)
    // durable now: only then the receipt (invariant 3)
    const custody = await signCustody(this.init.privateKey, this.init.peerId, { messageId: env.id, envelopeHash: hash, expiresAt: env.expiresAt, storedAt: stored.storedAt }, this.init.crypto)
    return { custody }
  }

  /** openCapability, remembered for the last CACHE_SIZE distinct capabilities */
  private async capability (bytes: Uint8Array): Promise<Capability> {
    const key = toHex(bytes)
    const known = this.verified.get(key)
    if (known != null) return known
    const cap = await openCapability(bytes, this.init.crypto)
    this.verified.set(key, cap)
    if (this.verified.size > CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string)
    return cap
  }

  /** verifyDevice, remembering certificates that held */
  private async isDevice (identity: Uint8Array, device: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const key = `${toHex(identity)}/${toHex(device)}/${toHex(signature)}`
    if (this.devices.has(key)) return true
    if (!await verifyDevice(identity, device, signature)) return false
    this.devices.add(key)
    if (this.devices.size > CACHE_SIZE) this.devices.delete(this.devices.values().next().value as string)
    return true
  }
}
