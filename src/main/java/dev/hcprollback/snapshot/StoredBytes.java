package dev.hcprollback.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

import dev.hcprollback.api.SnapshotCompression;

/** Hashes and counts the bytes that are stored (after the encoder); closing it does not close the upload. */
final class StoredBytes extends SnapshotCompression.KeepOpen {
    private final MessageDigest digest = SnapshotDigest.sha256();
    private long size;

    StoredBytes(OutputStream out) {
        super(out);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        digest.update(bytes, offset, length);
        size += length;
    }

    long size() {
        return size;
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
