package dev.hcprollback.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;

import dev.hcprollback.net.EnvironmentProxy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The S3 client's transport: the SDK's URL-connection client (as {@code quarkus.s3.sync-client.type=url}), each
 * connection opened through the proxy {@link EnvironmentProxy} selects for its URL. The SDK would otherwise read
 * {@code HTTPS_PROXY} itself and match {@code NO_PROXY} as patterns of its own, which take neither OpenShift's
 * domains ({@code .svc}) nor its networks ({@code 10.128.0.0/14}) as the other clients do.
 */
final class S3Transport implements SdkHttpClient.Builder<S3Transport> {

    private final EnvironmentProxy proxy;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    /**
     * @param connectTimeout limit for opening a connection
     * @param readTimeout limit for each read waiting for data (the store's idle limit)
     */
    S3Transport(EnvironmentProxy proxy, Duration connectTimeout, Duration readTimeout) {
        this.proxy = proxy;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    @Override
    public SdkHttpClient buildWithDefaults(AttributeMap serviceDefaults) {
        return UrlConnectionHttpClient.create(this::open);
    }

    HttpURLConnection open(URI uri) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(proxy.select(uri).get(0));
            connection.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
            return connection;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a connection to " + uri.getHost(), e);
        }
    }
}
