package dev.hcprollback.testing;

import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.List;

import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.StoredObject;
import dev.hcprollback.storage.Upload;

/** A snapshot store that passes every call on; tests override the calls they want to break or time. */
public class DelegatingSnapshotStore implements SnapshotStore {
    protected final SnapshotStore delegate;

    public DelegatingSnapshotStore(SnapshotStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String backend() {
        return delegate.backend();
    }

    @Override
    public StoredObject locate(String key) {
        return delegate.locate(key);
    }

    @Override
    public Upload upload(String key, String contentType) {
        return delegate.upload(key, contentType);
    }

    @Override
    public StoredObject put(String key, byte[] content, String contentType) {
        return delegate.put(key, content, contentType);
    }

    @Override
    public InputStream open(String key) {
        return delegate.open(key);
    }

    @Override
    public boolean exists(String key) {
        return delegate.exists(key);
    }

    @Override
    public java.util.OptionalLong size(String key) {
        return delegate.size(key);
    }

    @Override
    public void delete(String key) {
        delegate.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public URL readUrl(String key, Duration ttl) {
        return delegate.readUrl(key, ttl);
    }
}
