/**
 * LAN discovery for daemons: mDNS (@libp2p/mdns) under Ferry's own service name, so a daemon
 * finds Ferry peers on the local network — and only those — with no DHT, bootstrap peer or
 * internet. It announces the peer id and listen addresses to the LAN every
 * MDNS_INTERVAL_MS; `ferry start --no-mdns` turns it off (ARCHITECTURE.md "Discovery").
 *
 * Node only: @libp2p/mdns needs UDP multicast sockets. Browsers find peers through daemons.
 */
import { mdns } from '@libp2p/mdns'

export const MDNS_SERVICE_TAG = '_ferry._udp.local'
export const MDNS_INTERVAL_MS = 10_000

export function lanDiscovery (): ReturnType<typeof mdns> {
  return mdns({ serviceTag: MDNS_SERVICE_TAG, interval: MDNS_INTERVAL_MS })
}
