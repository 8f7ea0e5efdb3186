/**
 * FAULT INJECTION for `ferry sim`'s checker test only (`--fault-drop-every N`, in-process mode):
 * a mailbox store that loses acknowledged mail. One in every N new deposits from other peers is
 * deleted right after it is committed — so the host still signs its custody receipt — and a
 * chosen message is dropped again whenever it is re-deposited: a host that keeps lying about it,
 * so the sender's retries cannot heal the loss. The host's own deposits (a sender keeping mail for
 * the recipient) are never dropped. Production code knows nothing of it.
 */
import type { AckedItem, DepositLimits, HostedMailStore, HostedOwner, MailboxItem, MailboxSettingsStore, MailboxStore, MailboxUsage, RevokedSender } from '../../protocol/index.js'

export class FaultyMailboxStore implements HostedMailStore, MailboxSettingsStore {
  /** new deposits from other peers seen so far */
  private count = 0
  /** `${owner}/${id}` of the messages chosen to be dropped */
  private readonly dropped = new Set<string>()

  /**
   * @param inner - the store that keeps what is not dropped
   * @param every - drop one in every `every` new deposits (> 0)
   * @param self - this host's peer id: its own deposits are kept
   */
  constructor (private readonly inner: MailboxStore, private readonly every: number, private readonly self: string) {
    if (!(Number.isSafeInteger(every) && every > 0)) throw new RangeError('"every" must be a positive whole number')
  }

  async deposit (batch: Array<{ item: MailboxItem, limits: DepositLimits }>): Promise<Array<{ storedAt: number, duplicate: boolean } | Error>> {
    const results = await this.inner.deposit(batch)
    for (const [i, r] of results.entries()) {
      const { item } = batch[i]
      if (r instanceof Error || item.depositor === this.self || !this.drops(`${item.owner}/${item.id}`, r.duplicate)) continue
      await this.inner.ack(item.owner, [{ id: item.id, depositor: item.depositor }], new Map())
    }
    return results
  }

  private drops (key: string, duplicate: boolean): boolean {
    if (this.dropped.has(key)) return true
    if (duplicate || this.count++ % this.every !== 0) return false
    this.dropped.add(key)
    return true
  }

  // everything else as the inner store does it

  async host (owner: HostedOwner): Promise<void> { return this.inner.host(owner) }
  async unhost (peer: string): Promise<void> { return this.inner.unhost(peer) }
  async hosted (peer?: string): Promise<HostedOwner[]> { return this.inner.hosted(peer) }
  async fetch (owner: string, after: number, limit: number, now: number): Promise<Array<MailboxItem & { cursor: number }>> { return this.inner.fetch(owner, after, limit, now) }
  async ack (owner: string, items: AckedItem[], receipts: Map<string, Uint8Array>): Promise<string[]> { return this.inner.ack(owner, items, receipts) }
  async receiptsFor (depositor: string, done: string[]): Promise<Uint8Array[]> { return this.inner.receiptsFor(depositor, done) }
  async usage (owner: string, depositor?: string): Promise<MailboxUsage> { return this.inner.usage(owner, depositor) }
  async totalBytes (): Promise<number> { return this.inner.totalBytes() }
  async sweep (now: number): Promise<number> { return this.inner.sweep(now) }
  async nextExpiry (): Promise<number | undefined> { return this.inner.nextExpiry() }
  async revoke (owner: string, sender: Uint8Array, before: number): Promise<void> { return this.inner.revoke(owner, sender, before) }
  async revokedBefore (owner: string, sender: Uint8Array): Promise<number> { return this.inner.revokedBefore(owner, sender) }
  async addPrekeys (owner: string, prekeys: Uint8Array[]): Promise<void> { return this.inner.addPrekeys(owner, prekeys) }
  async claimPrekey (owner: string): Promise<Uint8Array | undefined> { return this.inner.claimPrekey(owner) }
  async countPrekeys (owner: string): Promise<number> { return this.inner.countPrekeys(owner) }
  async useHosts (peers: string[]): Promise<void> { return this.inner.useHosts(peers) }
  async usedHosts (): Promise<string[]> { return this.inner.usedHosts() }
  async revokeSender (sender: Uint8Array, before: number): Promise<void> { return this.inner.revokeSender(sender, before) }
  async allowSender (sender: Uint8Array): Promise<void> { return this.inner.allowSender(sender) }
  async revokedSenders (): Promise<RevokedSender[]> { return this.inner.revokedSenders() }
  async markTold (host: string, sender: Uint8Array): Promise<void> { return this.inner.markTold(host, sender) }
  async issued (peer: string): Promise<{ hosts: string, at: number } | undefined> { return this.inner.issued(peer) }
  async markIssued (peer: string, hosts: string, at: number): Promise<void> { return this.inner.markIssued(peer, hosts, at) }
}
