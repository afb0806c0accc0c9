package dev.hcprollback.storage;

/**
 * An object in the snapshot store: its key inside the bucket or container and a location URL that
 * names backend, bucket and key ({@code s3://bucket/key}, {@code https://account.blob.../container/key}).
 */
public record StoredObject(String key, String location) {
}
