/**
 * Files (protocol/files/): the chunk format's figures, the transfer's window and the limits a
 * peer can hit. docs/FILES.md explains each choice.
 */

export const BLOB_PROTOCOL = '/ferry/blob/1.0.0'

/**
 * Plaintext bytes per chunk. 64 KiB: a sealed chunk (plus its 16-byte tag) pads to the largest
 * envelope bucket, so one chunk is one mailbox deposit, and a lost connection costs one chunk.
 */
export const CHUNK_BYTES = 64 * 1024

/** A file's largest size unless the node's settings say otherwise (`FilesInit.maxFileBytes`). */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024

/** No setting may allow more than this: the chunk count stays within what one store row can list. */
export const MAX_FILE_BYTES_LIMIT = 4 * 1024 * 1024 * 1024

/** A file's name: at most this many UTF-8 bytes. */
export const MAX_NAME_BYTES = 255

/** A media type: at most this many characters. */
export const MAX_TYPE_CHARS = 127

/** A thumbnail travels inside the message (whose text may be 64 KiB): at most this many bytes. */
export const MAX_THUMBNAIL_BYTES = 16 * 1024

/** Chunks one request may ask for, and the frame bound of an answer (one chunk and its index). */
export const MAX_INDICES = 32
export const MAX_CHUNK_FRAME = CHUNK_BYTES + 16 + 64

/** Requests a fetch keeps in flight to one holder (each on its own stream): the flow-control window, in requests. */
export const FETCH_STREAMS = 2

/** Streams one connection may hold open to this node's blob service. */
export const MAX_STREAMS = 4

/** Chunks this node serves at once, whoever asks (each is one read and one write). */
export const MAX_SERVING = 8

/** How long one request may take to be answered in full, and to arrive at all. */
export const REQUEST_TIMEOUT_MS = 60_000

/** How often files still incomplete are fetched again (besides on start and on a holder's return). */
export const RETRY_MS = 30_000

/**
 * Chunks that came from a mailbox before the message that announces their file: kept at most
 * this long, and at most this many bytes together; past either they are dropped.
 */
export const ORPHAN_MS = 24 * 60 * 60 * 1000
export const MAX_ORPHAN_BYTES = 256 * 1024 * 1024

/** Chunk envelopes one deposit round builds at a time (each ~68 KiB). */
export const DEPOSIT_CHUNKS = 32
