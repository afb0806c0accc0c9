package dev.hcprollback.snapshot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Hashes and counts the bytes that are stored (after the encoder); closing it only flushes, so that an
 * encoder's end never closes (aborts) the upload.
 */
final class StoredBytes extends FilterOutputStream {
    private final MessageDigest digest = SnapshotDigest.sha256();
    private long size;

    StoredBytes(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        digest.update(bytes, offset, length);
        size += length;
    }

    @Override
    public void close() throws IOException {
        flush();
    }

    long size() {
        return size;
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
