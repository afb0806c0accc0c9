package dev.hcprollback.api;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import io.airlift.compress.zstd.ZstdInputStream;
import io.airlift.compress.zstd.ZstdOutputStream;

/**
 * How a snapshot object is stored: the etcd snapshot file as etcd streamed it ({@code none}), or one
 * Zstandard frame of it ({@code zstd}, pure-Java codec, so the sidecar image and the restore's fetch
 * container need no native library). Config {@code hcp-rollback.snapshot.compression}; recorded on each
 * snapshot ({@code status.compression}) and in its manifest, so that the restore decodes what was stored
 * whatever the configuration is by then.
 */
public enum SnapshotCompression {
    none,
    zstd;

    /**
     * Wraps the stored stream: what is written to the result reaches {@code stored} encoded. Closing the
     * result flushes the encoding's end into {@code stored} without closing {@code stored}.
     */
    public OutputStream encoder(OutputStream stored) throws IOException {
        return this == none ? stored : new ZstdOutputStream(new KeepOpen(stored));
    }

    /** The stored object's content type. */
    public String contentType() {
        return this == none ? "application/octet-stream" : "application/zstd";
    }

    /** Decodes a stored object as it streams. */
    public InputStream decoder(InputStream stored) {
        return this == none ? stored : new ZstdInputStream(stored);
    }

    /** {@code null} (a snapshot recorded before compression existed) reads as {@code none}. */
    public static SnapshotCompression orNone(SnapshotCompression compression) {
        return compression == null ? none : compression;
    }

    /** Passes writes through whole; {@code close()} only flushes, so an encoder's end never closes (aborts) an upload. */
    public static class KeepOpen extends FilterOutputStream {
        public KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
