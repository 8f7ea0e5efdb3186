import type { MessageRecord, MessageStore, OutgoingMessage } from '../../protocol/stores.js'

/** Store one outgoing message through the batch API; throws its Error like a single insert would. */
export async function addOut (store: MessageStore, message: OutgoingMessage): Promise<MessageRecord> {
  const [result] = await store.addOutgoing([message])
  if (result instanceof Error) throw result
  return result
}
