package io.tandem.raft;

/** One constant per {@link Message} record; switch on it exhaustively. */
public enum MessageKind {
    REQUEST_VOTE,
    REQUEST_VOTE_RESPONSE,
    APPEND_ENTRIES,
    APPEND_ENTRIES_RESPONSE,
    HEARTBEAT,
    HEARTBEAT_RESPONSE,
    INSTALL_SNAPSHOT,
    INSTALL_SNAPSHOT_RESPONSE,
    TIMEOUT_NOW,
    READ_INDEX_REQUEST,
    READ_INDEX_RESPONSE
}
