/**
 * A host serves every device of a person it keeps mail for (docs/DEVICES.md "Mailboxes"): it
 * keeps the newest signed device list each hosted identity's devices presented, and lets a device
 * that list names fetch, ack and check its own mail under the hosting agreement made with the
 * person's first device. A list older than one seen is refused, so a revoked device cannot bring
 * back the list that still named it (while this host runs: the lists are kept in memory, and the
 * person's devices present theirs with every fetch).
 */
import { decodeDeviceList } from '../devices/device-list.js'
import { equalBytes, toHex } from '../util/bytes.js'
import type { DeviceList } from '../devices/device-list.js'
import type { HostedMailStore, HostedOwner } from '../stores/stores.js'

/** Identities whose lists a host keeps (only hosted ones are learnt). */
const MAX_LISTS = 1_000

export class PersonLists {
  private readonly lists = new Map<string, DeviceList>()

  /**
   * Take a presented list when it belongs to a hosted identity and is not older than the one
   * kept. Returns it when it is now the current one; undefined when it is older, unverifiable or
   * of nobody hosted here.
   */
  async learn (store: HostedMailStore, bytes: Uint8Array | undefined): Promise<DeviceList | undefined> {
    if (bytes == null || bytes.byteLength === 0) return undefined
    let list: DeviceList
    try {
      list = await decodeDeviceList(bytes)
    } catch {
      return undefined
    }
    const key = toHex(list.identity)
    const known = this.lists.get(key)
    if (known != null && known.sequence > list.sequence) return undefined
    if (known == null && (await this.owners(store, list)).length === 0) return undefined
    this.lists.delete(key)
    this.lists.set(key, list)
    if (this.lists.size > MAX_LISTS) this.lists.delete(this.lists.keys().next().value as string)
    return list
  }

  /** Whether the current list of `identity` names `device` (a peer id string). */
  listed (identity: Uint8Array, device: string): boolean {
    const list = this.lists.get(toHex(identity))
    return list != null && list.devices.some(d => d.peer === device)
  }

  /**
   * The hosting agreement `device` may use: one made with another device of the same identity,
   * when the presented list is current and names both.
   */
  async ownerFor (store: HostedMailStore, device: string, bytes: Uint8Array | undefined): Promise<HostedOwner | undefined> {
    const list = await this.learn(store, bytes)
    if (list == null || !list.devices.some(d => d.peer === device)) return undefined
    return (await this.owners(store, list))[0]
  }

  /** Hosted owners of the list's identity whose device it still names. */
  private async owners (store: HostedMailStore, list: DeviceList): Promise<HostedOwner[]> {
    return (await store.hosted()).filter(o => equalBytes(o.identity, list.identity) && list.devices.some(d => d.peer === o.peer))
  }
}
