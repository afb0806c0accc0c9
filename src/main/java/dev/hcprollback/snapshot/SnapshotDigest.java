package dev.hcprollback.snapshot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Passes an etcd snapshot through while hashing it once per byte: SHA-256 of all bytes but the last 32,
 * which etcd appends as its own checksum ({@link #trailerMatches()}); the SHA-256 of all bytes
 * ({@link #sha256Hex()}, what is stored when the snapshot is not compressed) continues a copy of that
 * state with the 32 trailing bytes instead of hashing everything a second time. Holds back only 32 bytes.
 */
public class SnapshotDigest extends FilterOutputStream {

    static final int TRAILER = 32;

    private final MessageDigest body = sha256();
    private final byte[] tail = new byte[TRAILER];
    private int tailLength;
    private volatile long size;
    private IOException failure;

    public SnapshotDigest(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        if (failure != null) {
            throw failure;
        }
        try {
            out.write(bytes, offset, length);
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            throw failure;
        }
        size += length;
        // keep the newest 32 bytes out of the body hash until the stream ends
        int total = tailLength + length;
        int release = Math.max(0, total - TRAILER);
        int fromTail = Math.min(release, tailLength);
        body.update(tail, 0, fromTail);
        int fromInput = release - fromTail;
        body.update(bytes, offset, fromInput);
        byte[] next = new byte[TRAILER];
        int keepTail = tailLength - fromTail;
        System.arraycopy(tail, fromTail, next, 0, keepTail);
        System.arraycopy(bytes, offset + fromInput, next, keepTail, length - fromInput);
        System.arraycopy(next, 0, tail, 0, keepTail + length - fromInput);
        tailLength = keepTail + length - fromInput;
    }

    /** The first failure of the stream underneath, if any. */
    public synchronized IOException failure() {
        return failure;
    }

    public synchronized long size() {
        return size;
    }

    /** SHA-256 of everything written, as hex. Call at the end. */
    public synchronized String sha256Hex() {
        MessageDigest whole = copy(body);
        whole.update(tail, 0, tailLength);
        return HexFormat.of().formatHex(whole.digest());
    }

    /** Whether the last 32 bytes are the SHA-256 of everything before them. Call at the end. */
    public synchronized boolean trailerMatches() {
        return tailLength == TRAILER && Arrays.equals(copy(body).digest(), tail);
    }

    private static MessageDigest copy(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }

    /** SHA-256 of a whole stream, as hex; reads it to its end without closing it. */
    public static String sha256Hex(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) > 0;) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
