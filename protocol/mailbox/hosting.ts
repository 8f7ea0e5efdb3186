/**
 * The host's side of the agreements (`ferry mailbox host NAME`, `unhost`): which owners this node
 * keeps mail for, and with what limits. What owners then ask of it — deposits, fetches, acks, the
 * revocations they tell it of, prekeys — the service answers (service.ts) from the same store.
 */
import { MAX_TTL_MS, MIN_TTL_MS } from '../constants.js'
import { InvalidInputError } from '../errors.js'
import { DEFAULT_OWNER_QUOTA } from './constants.js'
import { contactNamed } from './links.js'
import type { ContactStore, HostedMailStore, HostedOwner } from '../stores/stores.js'

export interface HostingInit {
  store: HostedMailStore
  contacts: ContactStore
  now(): number
}

/** An owner this node keeps mail for, with what waits for it here. */
export interface HostingView { contact: string, peer: string, bytes: number, messages: number, quotaBytes: number, quotaMessages: number, maxTtlMs: number }

/** Limits a host may set on an owner; defaults DEFAULT_OWNER_QUOTA and MAX_TTL_MS. */
export interface HostingLimits { quotaBytes?: number, quotaMessages?: number, maxTtlMs?: number }

export class Hosting {
  constructor (private readonly init: HostingInit) {}

  /**
   * Agree to keep mail for contact `name`. Its identity must be known (contacts added by invite,
   * or after one message), since capabilities are checked against it.
   *
   * @throws UnknownContactError, or InvalidInputError for an unknown identity or limits out of range
   */
  async host (name: string, limits: HostingLimits = {}): Promise<HostedOwner> {
    const c = await contactNamed(this.init.contacts, name)
    if (c.identity == null) throw new InvalidInputError(`${name}'s identity key is not known yet: add them by invite, or exchange a message first`)
    const maxTtlMs = limits.maxTtlMs ?? MAX_TTL_MS
    if (!(maxTtlMs >= MIN_TTL_MS && maxTtlMs <= MAX_TTL_MS)) throw new InvalidInputError(`the longest time to keep mail must be between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
    for (const [k, v] of Object.entries({ quotaBytes: limits.quotaBytes, quotaMessages: limits.quotaMessages })) {
      if (v != null && !(Number.isSafeInteger(v) && v > 0)) throw new InvalidInputError(`${k} must be a positive whole number`)
    }
    const owner: HostedOwner = { peer: c.peerId, identity: c.identity, name: c.name, quotaBytes: limits.quotaBytes ?? DEFAULT_OWNER_QUOTA.bytes, quotaMessages: limits.quotaMessages ?? DEFAULT_OWNER_QUOTA.messages, maxTtlMs, addedAt: this.init.now() }
    await this.init.store.host(owner)
    return owner
  }

  /**
   * End the agreement with `name`; its waiting mail is deleted.
   *
   * @throws InvalidInputError when this node keeps no mail for `name`
   */
  async unhost (name: string): Promise<void> {
    const c = await contactNamed(this.init.contacts, name)
    if ((await this.init.store.hosted(c.peerId)).length === 0) throw new InvalidInputError(`this node keeps no mail for ${name}`)
    await this.init.store.unhost(c.peerId)
  }

  /** Every owner hosted here, with what waits for it. */
  async hosting (): Promise<HostingView[]> {
    return Promise.all((await this.init.store.hosted()).map(async o => {
      const u = await this.init.store.usage(o.peer)
      return { contact: o.name, peer: o.peer, bytes: u.bytes, messages: u.messages, quotaBytes: o.quotaBytes, quotaMessages: o.quotaMessages, maxTtlMs: o.maxTtlMs }
    }))
  }
}
